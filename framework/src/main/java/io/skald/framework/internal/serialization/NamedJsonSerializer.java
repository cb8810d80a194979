package io.skald.framework.internal.serialization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * INTERNAL API (public by configuration): Jackson CBOR serialization whose manifest is a stable
 * name owned by Skald, not a Java class name, so that a class can move or be renamed without making
 * journals unreadable.
 *
 * <p>Names come from {@code skald.serialization.names} (every module's {@code reference.conf} adds
 * its own): {@code "topics.topic-added.v1" = "io.skald...TopicRegistry$TopicAdded"}. Every
 * persisted event, state and snapshot class must have one (a test per module checks it). Classes
 * without a name are messages that only travel between nodes; their manifest is {@code class:} +
 * the class name.
 *
 * <p>The mapper is Pekko's {@code jackson-cbor} one, so every module and setting configured there
 * (actor refs, Java time, parameter names) applies here too.
 */
public final class NamedJsonSerializer extends SerializerWithStringManifest {
  /** The serializer id, bound in {@code reference.conf}; written with every event. */
  public static final int IDENTIFIER = 7402;

  /** The configuration section of stable names. */
  public static final String NAMES = "skald.serialization.names";

  static final String CLASS_PREFIX = "class:";

  private final ExtendedActorSystem system;
  private final ObjectMapper mapper;
  private final Map<String, Class<?>> byName = new HashMap<>();
  private final Map<Class<?>, String> byClass = new HashMap<>();

  /**
   * Created by Pekko's serialization extension.
   *
   * @param system the actor system
   */
  public NamedJsonSerializer(ExtendedActorSystem system) {
    this.system = system;
    this.mapper =
        JacksonObjectMapperProvider.get(system)
            .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    names(system.settings().config())
        .forEach(
            (name, className) -> {
              Class<?> type = load(system, className, name);
              byName.put(name, type);
              String other = byClass.put(type, name);
              if (other != null) {
                throw new IllegalArgumentException(
                    NAMES + ": " + className + " has two names, " + other + " and " + name);
              }
            });
  }

  /**
   * The configured names.
   *
   * @param config the configuration
   * @return stable name to class name
   */
  public static Map<String, String> names(Config config) {
    Map<String, String> names = new HashMap<>();
    for (Map.Entry<String, ConfigValue> e : config.getConfig(NAMES).root().entrySet()) {
      names.put(e.getKey(), e.getValue().unwrapped().toString());
    }
    return names;
  }

  private static Class<?> load(ExtendedActorSystem system, String className, String name) {
    try {
      return system.dynamicAccess().classLoader().loadClass(className);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          NAMES + ": the class of \"" + name + "\" does not exist: " + className, e);
    }
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    String name = byClass.get(o.getClass());
    return name != null ? name : CLASS_PREFIX + o.getClass().getName();
  }

  @Override
  public byte[] toBinary(Object o) {
    try {
      return mapper.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize " + o.getClass().getName(), e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Class<?> type = byName.get(manifest);
    if (type == null) {
      type = unnamed(manifest);
    }
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException e) {
      NotSerializableException failure =
          new NotSerializableException("cannot read " + manifest + ": " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private Class<?> unnamed(String manifest) throws NotSerializableException {
    if (manifest.startsWith(CLASS_PREFIX)) {
      try {
        Class<?> type =
            system
                .dynamicAccess()
                .classLoader()
                .loadClass(manifest.substring(CLASS_PREFIX.length()));
        // only Skald's own message types, never an arbitrary class named by a peer
        if (SerializationExtension.get(system).serializerFor(type).identifier() == IDENTIFIER) {
          return type;
        }
      } catch (ClassNotFoundException | RuntimeException e) {
        // reported below
      }
    }
    throw new NotSerializableException(
        "unknown manifest " + manifest + " (not in " + NAMES + ", not a Skald message class)");
  }
}
