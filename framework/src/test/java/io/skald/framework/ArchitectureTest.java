package io.skald.framework;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.skald.testkit.ApiRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The framework's architecture, checked on its compiled main classes: subsystem packages under
 * {@code internal} form no cycle, the shared kernel ({@code internal} itself) depends on no
 * subsystem, and the public API reaches the internals only through {@link Skald}'s composition
 * root. {@code docs/architecture.md} draws the same picture.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.skald.framework");
  }

  @Test
  void subsystemPackagesFormNoCycle() {
    slices()
        .matching("io.skald.framework.internal.(*)..")
        .namingSlices("internal.$1")
        .should()
        .beFreeOfCycles()
        .check(main);
  }

  @Test
  void theSharedKernelDependsOnNoSubsystem() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.framework.internal")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.framework.internal.*..")
        .because("subsystems build on the kernel (settings, asks, the serialization marker)")
        .check(main);
  }

  @Test
  void thePublicApiReachesTheInternalsOnlyThroughTheCompositionRoot() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.skald.framework.internal..")
        .and()
        .doNotHaveFullyQualifiedName(Skald.class.getName())
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.framework.internal..")
        .because("users see only the public API; Skald starts the runtime")
        .check(main);
  }

  @Test
  void theLogDependsOnNoClientSubsystem() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.skald.framework.internal.log..",
            "io.skald.framework.internal.topic..",
            "io.skald.framework.internal.journal..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.skald.framework.internal.producer..",
            "io.skald.framework.internal.consumer..",
            "io.skald.framework.internal.group..",
            "io.skald.framework.internal.delay..",
            "io.skald.framework.internal.deadletter..",
            "io.skald.framework.internal.runtime..")
        .because("the storage layers sit below the clients that use them")
        .check(main);
  }

  @Test
  void healthBookkeepingSitsBelowTheLog() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.framework.internal.health..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.skald.framework.internal.log..",
            "io.skald.framework.internal.topic..",
            "io.skald.framework.internal.producer..",
            "io.skald.framework.internal.consumer..",
            "io.skald.framework.internal.group..",
            "io.skald.framework.internal.runtime..")
        .because("partitions report their recovery to it; the runtime composes the checks")
        .check(main);
  }

  @Test
  void rateLimitsDependOnNoSubsystem() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.framework.internal.quota..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.framework.internal.*..")
        .because("the producer and the partitions both use them")
        .check(main);
  }

  @Test
  void docsExamplesUseNoInternalPackage() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.framework.docs..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .because("the docs show what users write: the public API only")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.skald.framework.docs"));
  }

  /**
   * No public method, constructor or field of a public API type names an internal type, in its
   * return type, its parameters or their type arguments: what users call must be what they can read
   * about.
   */
  @Test
  void noInternalTypeInAPublicSignature() {
    ApiRules.noInternalTypeInAPublicSignature().check(main);
  }
}
