package io.skald.framework;

/**
 * Turns keys and values into bytes and back.
 *
 * <p>Skald stores payloads as bytes; a codec gives them a type. {@link Codecs} has the common ones
 * (bytes, UTF-8 strings, JSON through Jackson). An implementation must be thread-safe and should
 * throw {@link CodecException} on a malformed payload.
 * <!-- snippet: jd-codec -->
 *
 * <pre>{@code
 * Codec<Order> orders = Codecs.json(Order.class);
 * }</pre>
 *
 * @param <T> the value type
 */
public interface Codec<T> {

  /**
   * Encodes a value.
   *
   * @param value the value, never null
   * @return its bytes
   */
  byte[] encode(T value);

  /**
   * Decodes a payload.
   *
   * @param bytes the payload, never null
   * @return the value
   * @throws CodecException if the payload is malformed
   */
  T decode(byte[] bytes);
}
