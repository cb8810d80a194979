package io.skald.saga;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.skald.testkit.ApiRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The saga module's architecture, checked on its compiled main classes: the engine (the state
 * machine of an instance) and the definition model are pure, with no Pekko in them, so they run the
 * same in an entity and in the test kit's virtual clock; subsystems form no cycle; the module uses
 * only the framework's public API. {@code docs/architecture.md} draws the same picture.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.skald.saga");
  }

  @Test
  void subsystemPackagesFormNoCycle() {
    slices()
        .matching("io.skald.saga.internal.(*)..")
        .namingSlices("internal.$1")
        .should()
        .beFreeOfCycles()
        .check(main);
  }

  @Test
  void theEngineAndTheDefinitionModelArePure() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.skald.saga.internal.engine..", "io.skald.saga.internal.definition..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.pekko..",
            "io.skald.saga.internal.runner..",
            "io.skald.saga.internal.participant..")
        .because("the rules of an instance are plain functions of state, input and time")
        .check(main);
  }

  @Test
  void theSharedKernelDependsOnNoSubsystem() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.saga.internal")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.saga.internal.*..")
        .check(main);
  }

  @Test
  void theTestKitRunsTheEngineWithoutTheRuntime() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.saga.testkit..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.skald.saga.internal.runner..", "io.skald.saga.internal.participant..")
        .check(main);
  }

  @Test
  void thePublicApiReachesTheInternalsOnlyThroughItsEntryPoints() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.saga")
        .and(not(belongToAnyOf(Sagas.class, SagaDefinition.class)))
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.saga.internal..")
        .because("Sagas starts the runtime and SagaDefinition builds the definition model")
        .check(main);
  }

  @Test
  void theModuleUsesOnlyTheFrameworksPublicApi() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.framework.internal..")
        .because("internal packages are private to their module")
        .check(main);
  }

  @Test
  void docsExamplesUseNoInternalPackage() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.saga.docs..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .because("the docs show what users write: the public API only")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.skald.saga.docs"));
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
