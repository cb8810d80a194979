package io.skald.framework;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The bundled {@link Codec}s.
 * <!-- snippet: jd-codecs -->
 *
 * <pre>{@code
 * Producer<String, Order> producer =
 *     skald.producer(ProducerSettings.of(Codecs.string(), Codecs.json(Order.class)));
 * }</pre>
 */
public final class Codecs {
  private static final ObjectMapper DEFAULT_MAPPER =
      new ObjectMapper()
          .findAndRegisterModules()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Codecs() {}

  /**
   * Bytes as they are.
   *
   * @return the identity codec
   */
  public static Codec<byte[]> bytes() {
    return BytesCodec.INSTANCE;
  }

  /**
   * UTF-8 strings.
   *
   * @return the string codec
   */
  public static Codec<String> string() {
    return StringCodec.INSTANCE;
  }

  /**
   * JSON through Jackson, with a mapper that knows Java records, {@code java.time} types (when
   * Jackson's JSR-310 module is on the class path) and ignores unknown properties, so a newer
   * producer can add fields.
   *
   * @param type the value class (a record or a Jackson-annotated POJO)
   * @param <T> the value type
   * @return the JSON codec
   */
  public static <T> Codec<T> json(Class<T> type) {
    return json(type, DEFAULT_MAPPER);
  }

  /**
   * JSON through a caller-supplied Jackson mapper.
   *
   * @param type the value class
   * @param mapper the mapper to use (must be configured before it is passed here)
   * @param <T> the value type
   * @return the JSON codec
   */
  public static <T> Codec<T> json(Class<T> type, ObjectMapper mapper) {
    return new JsonCodec<>(Objects.requireNonNull(type, "type"), mapper);
  }

  private enum BytesCodec implements Codec<byte[]> {
    INSTANCE;

    @Override
    public byte[] encode(byte[] value) {
      return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }
  }

  private enum StringCodec implements Codec<String> {
    INSTANCE;

    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private record JsonCodec<T>(Class<T> type, ObjectMapper mapper) implements Codec<T> {
    @Override
    public byte[] encode(T value) {
      try {
        return mapper.writeValueAsBytes(value);
      } catch (IOException e) {
        throw new CodecException("cannot encode " + type.getName() + " as JSON: " + e, e);
      }
    }

    @Override
    public T decode(byte[] bytes) {
      try {
        return mapper.readValue(bytes, type);
      } catch (IOException e) {
        throw new CodecException(
            "malformed JSON payload for " + type.getName() + ": " + e.getMessage(), e);
      }
    }
  }
}
