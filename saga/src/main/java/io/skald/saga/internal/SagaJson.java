package io.skald.saga.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.skald.framework.CodecException;
import io.skald.saga.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * INTERNAL API: JSON of saga data, commands and replies (Jackson, with the JDK 8 and java.time
 * modules found on the class path). Types named in record headers are looked up among the types an
 * endpoint declares, never loaded by name, so a record cannot make a node instantiate an arbitrary
 * class.
 */
public final class SagaJson {
  private final ObjectMapper mapper;

  /** Creates the mapper. */
  public SagaJson() {
    this.mapper =
        new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /**
   * Writes a value.
   *
   * @param value the value
   * @return its JSON
   * @throws CodecException if Jackson cannot write it
   */
  public String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new CodecException("cannot write " + value.getClass().getName() + " as JSON: " + e, e);
    }
  }

  /**
   * Writes a value as UTF-8 bytes.
   *
   * @param value the value
   * @return its JSON bytes
   */
  public byte[] bytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a value.
   *
   * @param text JSON
   * @param type the type
   * @param <T> the type
   * @return the value
   * @throws CodecException if the JSON does not fit the type
   */
  public <T> T read(String text, Class<T> type) {
    try {
      return mapper.readValue(text, type);
    } catch (IOException e) {
      throw new CodecException("cannot read " + type.getName() + " from JSON: " + e, e);
    }
  }

  /**
   * Reads a value from UTF-8 bytes.
   *
   * @param bytes JSON bytes
   * @param type the type
   * @param <T> the type
   * @return the value
   */
  public <T> T read(byte[] bytes, Class<T> type) {
    return read(new String(bytes, StandardCharsets.UTF_8), type);
  }

  /**
   * The reply or failure type of an endpoint with a name: its stable name, or a class name.
   *
   * @param endpoint the endpoint
   * @param className the name from a record header or a participant's memory
   * @return the declared type, or null if the endpoint declares none of that name
   */
  public Class<?> typeNamed(Endpoint<?> endpoint, String className) {
    // the stable name, or a class name of a record written before stable names (the simple name
    // after the last '.' or '$' still finds a class that moved to another package)
    String simple =
        className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
    for (java.util.Set<Class<?>> types :
        java.util.List.of(endpoint.replyTypes(), endpoint.failureTypes())) {
      for (Class<?> type : types) {
        if (type.getName().equals(className) || type.getSimpleName().equals(simple)) {
          return type;
        }
      }
    }
    return null;
  }

  /**
   * The stable name of a reply type, as records and participants' memory carry it: its simple name,
   * unique among an endpoint's replies and failures.
   *
   * @param type the reply type
   * @return the name
   */
  public static String typeName(Class<?> type) {
    return type.getSimpleName();
  }
}
