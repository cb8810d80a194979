package io.skald.cluster;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The cluster module uses only the framework's public API, and so does its docs example. */
class ArchitectureTest {

  @Test
  void theModuleUsesOnlyTheFrameworksPublicApi() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.framework.internal..")
        .because("internal packages are private to their module")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.skald.cluster"));
  }

  @Test
  void docsExamplesUseNoInternalPackage() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.cluster.docs..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.skald.cluster.docs"));
  }
}
