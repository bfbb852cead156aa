package dev.merlin.exchange;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Package rules over Merlin's main classes (protocol, config, exchange): no package cycles (one slice per package),
 * and nothing outside the composition root's package depends on it, so no endpoint, handler or service can be handed
 * the runtime and reach into it.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.merlin.exchange";

    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.merlin");

    /** One slice per package under {@code dev.merlin}; a cycle between any of them fails. */
    private static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.merlin.(**)")
            .namingSlices("$1")
            .should().beFreeOfCycles();

    @Test
    void noPackageCycles() {
        NO_PACKAGE_CYCLES.check(MAIN_CLASSES);
    }

    @Test
    void theCycleRuleFailsOnACycle() {
        JavaClasses withCycle = new ClassFileImporter().importPackages("dev.merlin.archfixture");
        assertTrue(NO_PACKAGE_CYCLES.evaluate(withCycle).hasViolation(),
                "archfixture.first <-> archfixture.second is a cycle the rule must report");
    }

    @Test
    void nothingDependsOnTheCompositionRoot() {
        noClasses().that().resideOutsideOfPackage(ROOT)
                .should().dependOnClassesThat(describe("reside in the composition root's package " + ROOT,
                        c -> c.getPackageName().equals(ROOT)))
                .check(MAIN_CLASSES);
    }

    @Test
    void endpointsAndHandlersNeverReceiveTheRuntime() {
        noClasses().that().resideInAPackage(ROOT + ".http..")
                .should().dependOnClassesThat().belongToAnyOf(ExchangeRuntime.class, ExchangeStores.class)
                .check(MAIN_CLASSES);
    }
}
