package io.skald.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skald.testkit.PersistedFormats;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;

/**
 * Every event and state type an entity of this module persists has a stable name (or Skald's
 * versioned binary format), found by scanning the module for event-sourced behaviours: a new event
 * added without a name fails here, before it reaches a journal under its class name.
 */
class PersistedNamesTest {

  @Test
  void everyPersistedTypeHasAStableName() throws Exception {
    Set<Class<?>> persisted = new LinkedHashSet<>(List.<Class<?>>of());
    int behaviors = 0;
    // the module's compiled main classes (surefire runs in the module's directory)
    Path classes = Path.of("target", "classes");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
    for (Path file : files) {
      String name =
          classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
      Class<?> c = Class.forName(name, false, getClass().getClassLoader());
      if (EventSourcedBehavior.class.isAssignableFrom(c)
          && !Modifier.isAbstract(c.getModifiers())) {
        persisted.addAll(PersistedFormats.persistedBy(c));
        behaviors++;
      }
    }
    assertTrue(behaviors > 0, "no event-sourced behaviour found");
    ActorTestKit testKit =
        ActorTestKit.create(
            ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(ConfigFactory.load()));
    try {
      assertEquals(List.of(), PersistedFormats.unstable(testKit.system(), persisted));
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
