package io.skald.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * ArchUnit rules shared by the modules' architecture tests (ArchUnit is an optional dependency of
 * the testkit: a module that uses these rules has it on its test classpath).
 */
public final class ApiRules {
  private ApiRules() {}

  /**
   * No public method, constructor or field of a public type outside {@code ..internal..} names an
   * internal type, in its return type, its parameters or their type arguments: what users call must
   * be what they can read about.
   *
   * @return the rule
   */
  public static ArchRule noInternalTypeInAPublicSignature() {
    return members()
        .that()
        .arePublic()
        .and()
        .areDeclaredInClassesThat()
        .arePublic()
        .and()
        .areDeclaredInClassesThat()
        .resideOutsideOfPackage("..internal..")
        .should(exposeNoInternalType());
  }

  private static ArchCondition<JavaMember> exposeNoInternalType() {
    return new ArchCondition<>("expose no internal type") {
      @Override
      public void check(JavaMember member, ConditionEvents events) {
        List<JavaType> types = new ArrayList<>();
        if (member instanceof JavaCodeUnit unit) {
          types.add(unit.getReturnType());
          types.addAll(unit.getParameterTypes());
        } else if (member instanceof JavaField field) {
          types.add(field.getType());
        }
        for (JavaType type : types) {
          for (JavaClass raw : type.getAllInvolvedRawTypes()) {
            if (raw.getPackageName().contains(".internal")) {
              events.add(
                  SimpleConditionEvent.violated(
                      member, member.getFullName() + " exposes " + raw.getName()));
            }
          }
        }
      }
    };
  }
}
