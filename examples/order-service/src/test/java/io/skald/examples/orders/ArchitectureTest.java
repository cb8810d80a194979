package io.skald.examples.orders;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sample as users copy it: three services that know each other only through their topic
 * contracts, a saga over those contracts, an app that wires them, and nothing of Skald's internals.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.skald.examples.orders");
  }

  @Test
  void noServiceDependsOnAnother() {
    slices()
        .matching("io.skald.examples.orders.(order|payment|inventory)..")
        .namingSlices("$1 service")
        .should()
        .notDependOnEachOther()
        .because("services talk through topics, not through each other's classes")
        .check(main);
  }

  @Test
  void servicesAndTheSagaDoNotDependOnTheApp() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.skald.examples.orders.order..",
            "io.skald.examples.orders.payment..",
            "io.skald.examples.orders.inventory..",
            "io.skald.examples.orders.saga..",
            "io.skald.examples.orders.common..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.examples.orders")
        .check(main);
  }

  @Test
  void theSagaUsesOnlyTheServicesContracts() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.examples.orders.saga..")
        .should()
        .dependOnClassesThat()
        .haveSimpleNameEndingWith("Entity")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleNameStartingWith("CustomerAccount")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleNameStartingWith("Warehouse")
        .check(main);
  }

  @Test
  void theSampleUsesNoInternalPackage() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .because("the sample is what users copy: it uses the public API only")
        .check(main);
  }

  @Test
  void theReadmeExampleUsesNoInternalPackage() {
    noClasses()
        .that()
        .haveSimpleName("ReadmeTest")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.skald.examples.orders"));
  }
}
