package io.skald.admin;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The admin server uses only the public API of the framework and the saga module: what it can do, a
 * user's own tooling can do too.
 */
class ArchitectureTest {

  @Test
  void theModuleUsesOnlyPublicApis() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.skald.framework.internal..", "io.skald.saga.internal..")
        .because("internal packages are private to their module")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.skald.admin"));
  }

  @Test
  void thePublicPackageDependsOnInternalOnlyThroughTheServer() {
    noClasses()
        .that()
        .resideInAPackage("io.skald.admin")
        .and()
        .doNotHaveSimpleName("AdminServer")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.skald.admin.internal..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.skald.admin"));
  }
}
