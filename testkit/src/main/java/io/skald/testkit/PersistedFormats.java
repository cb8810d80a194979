package io.skald.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;

/**
 * Checks that what event-sourced behaviours persist has a stable name, independent of the Java
 * class that holds it today, so that moving or renaming a class cannot make a journal unreadable:
 * each event and state type must be bound to Skald's binary serializer (versioned manifests) or to
 * its named JSON serializer with a name in {@code skald.serialization.names}. A type that would be
 * written under its class name is reported.
 */
public final class PersistedFormats {
  private static final String NAMED_JSON = "NamedJsonSerializer";
  private static final String BINARY = "SkaldSerializer";

  private PersistedFormats() {}

  /**
   * The types a behaviour persists: every concrete subtype of its event type (which must be sealed,
   * so that all of them are known) and its state type, unless the behaviour declares a {@code
   * snapshotAdapter()} (then the adapter's snapshot type is what is persisted: pass it to {@link
   * #unstable} as well).
   *
   * @param behavior a subclass of {@link EventSourcedBehavior} (or of its subclasses)
   * @return the concrete event classes and the state class
   * @throws IllegalArgumentException if the event type is an open (not sealed) interface or class
   */
  public static Set<Class<?>> persistedBy(Class<?> behavior) {
    Type type = behavior.getGenericSuperclass();
    while (!(type instanceof ParameterizedType p
        && EventSourcedBehavior.class.isAssignableFrom((Class<?>) p.getRawType()))) {
      type =
          ((Class<?>) (type instanceof ParameterizedType p ? p.getRawType() : type))
              .getGenericSuperclass();
    }
    Type[] args = ((ParameterizedType) type).getActualTypeArguments();
    Set<Class<?>> persisted = new LinkedHashSet<>(concrete(raw(args[1]), behavior));
    if (!declaresSnapshotAdapter(behavior)) {
      persisted.add(raw(args[2]));
    }
    return persisted;
  }

  private static boolean declaresSnapshotAdapter(Class<?> behavior) {
    try {
      behavior.getDeclaredMethod("snapshotAdapter");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static Class<?> raw(Type type) {
    return (Class<?>) (type instanceof ParameterizedType p ? p.getRawType() : type);
  }

  private static Set<Class<?>> concrete(Class<?> type, Class<?> behavior) {
    Set<Class<?>> out = new LinkedHashSet<>();
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) {
        out.addAll(concrete(sub, behavior));
      }
    } else if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      throw new IllegalArgumentException(
          behavior.getName() + " persists " + type.getName() + ", which is not sealed");
    } else {
      out.add(type);
    }
    return out;
  }

  /**
   * The persisted types that have no stable name on this system.
   *
   * @param system a system with the application's configuration
   * @param types persisted types ({@link #persistedBy} of each behaviour, and snapshot types)
   * @return one line per unstable type: which serializer would write it and how to fix it
   */
  public static List<String> unstable(ActorSystem<?> system, Collection<Class<?>> types) {
    Serialization serialization = SerializationExtension.get(system.classicSystem());
    Config config = system.settings().config();
    Set<String> named = new HashSet<>();
    if (config.hasPath("skald.serialization.names")) {
      config
          .getConfig("skald.serialization.names")
          .entrySet()
          .forEach(e -> named.add(String.valueOf(e.getValue().unwrapped())));
    }
    List<String> problems = new ArrayList<>();
    for (Class<?> type : types) {
      Serializer serializer;
      try {
        serializer = serialization.serializerFor(type);
      } catch (java.io.NotSerializableException e) {
        problems.add(type.getName() + " has no serializer: " + e.getMessage());
        continue;
      }
      String kind = serializer.getClass().getSimpleName();
      if (kind.equals(BINARY)) {
        continue;
      }
      if (kind.equals(NAMED_JSON) && named.contains(type.getName())) {
        continue;
      }
      problems.add(
          type.getName()
              + " is persisted by "
              + kind
              + " under its class name; give it a name in skald.serialization.names");
    }
    return problems;
  }

  /**
   * Checks a module: finds every concrete event-sourced behaviour among its compiled classes and
   * reports what they persist without a stable name, on a local actor system with the classpath's
   * configuration.
   *
   * @param classes the module's compiled main classes ({@code target/classes})
   * @param snapshotTypes what the modules' snapshot adapters write (not visible from the types)
   * @return the problems, one line each; empty if every type is stable
   * @throws IOException if the directory cannot be read
   * @throws IllegalStateException if the directory holds no event-sourced behaviour
   */
  public static List<String> unstableIn(Path classes, Collection<Class<?>> snapshotTypes)
      throws IOException {
    Set<Class<?>> persisted = new LinkedHashSet<>(snapshotTypes);
    int behaviors = 0;
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (Path file : files) {
      String name = classes.relativize(file).toString().replace(java.io.File.separatorChar, '.');
      Class<?> c;
      try {
        c = Class.forName(name.substring(0, name.length() - ".class".length()), false, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("not on the classpath: " + name, e);
      }
      if (EventSourcedBehavior.class.isAssignableFrom(c)
          && !Modifier.isAbstract(c.getModifiers())) {
        persisted.addAll(persistedBy(c));
        behaviors++;
      }
    }
    if (behaviors == 0) {
      throw new IllegalStateException("no event-sourced behaviour in " + classes.toAbsolutePath());
    }
    ActorTestKit testKit =
        ActorTestKit.create(
            ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(ConfigFactory.load()));
    try {
      return unstable(testKit.system(), persisted);
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
