package dev.merlin.exchange;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.merlin.exchange.privacy.OutboundUserData;
import dev.merlin.protocol.BidRequestEncoder;
import dev.merlin.protocol.model.Data;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Eid;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Segment;
import dev.merlin.protocol.model.Uid;
import dev.merlin.protocol.model.User;
import java.util.Set;
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

    /** The encoder's writers of user data, which write what they are given, identifiers included. */
    private static final Set<String> USER_DATA_WRITERS = Set.of("writeUser", "writeDevice", "writeGeo", "writeEid",
            "writeData");

    /**
     * Outbound user data has one author, {@link OutboundUserData}: no other class outside {@code protocol} calls or
     * references the encoder's user, device, geo, eid or data writers.
     */
    private static final ArchRule ONLY_OUTBOUND_USER_DATA_WRITES_USERS = noClasses()
            .that().resideOutsideOfPackage("dev.merlin.protocol..")
            .and().doNotBelongToAnyOf(OutboundUserData.class)
            .should().accessTargetWhere(describe("BidRequestEncoder's user data writers " + USER_DATA_WRITERS,
                    (JavaAccess<?> access) -> access.getTargetOwner().isEquivalentTo(BidRequestEncoder.class)
                            && USER_DATA_WRITERS.contains(access.getTarget().getName())));

    /** The DSP package never reads a user's identifiers or precise location, so it cannot build user data itself. */
    private static final ArchRule DSP_PACKAGE_READS_NO_IDENTIFIERS = noClasses()
            .that().resideInAPackage("..exchange.dsp..")
            .should().accessFieldWhere(identifierField());

    private static DescribedPredicate<JavaFieldAccess> identifierField() {
        Set<String> deviceIds = Set.of("ifa", "didsha1", "didmd5", "dpidsha1", "dpidmd5", "macsha1", "macmd5", "ip",
                "ipv6", "ext");
        Set<String> preciseGeo = Set.of("lat", "lon", "zip", "accuracy", "lastfix", "ext");
        return describe("a field of User, Eid, Uid, Data or Segment, a device id or a precise geo field", access -> {
            String name = access.getTarget().getName();
            return access.getTargetOwner().isEquivalentTo(User.class)
                    || access.getTargetOwner().isEquivalentTo(Eid.class)
                    || access.getTargetOwner().isEquivalentTo(Uid.class)
                    || access.getTargetOwner().isEquivalentTo(Data.class)
                    || access.getTargetOwner().isEquivalentTo(Segment.class)
                    || access.getTargetOwner().isEquivalentTo(Device.class) && deviceIds.contains(name)
                    || access.getTargetOwner().isEquivalentTo(Geo.class) && preciseGeo.contains(name);
        });
    }

    @Test
    void onlyOutboundUserDataWritesOutboundUserData() {
        ONLY_OUTBOUND_USER_DATA_WRITES_USERS.check(MAIN_CLASSES);
        DSP_PACKAGE_READS_NO_IDENTIFIERS.check(MAIN_CLASSES);
    }

    @Test
    void theOutboundUserDataRulesFailOnAHandMadeUser() {
        JavaClasses handMade = new ClassFileImporter().importPackages("dev.merlin.archfixture.exchange.dsp");
        assertTrue(ONLY_OUTBOUND_USER_DATA_WRITES_USERS.evaluate(handMade).getFailureReport().getDetails().size() >= 2,
                "HandMadeUserWriter calls writeUser and references writeEid: both must be reported");
        assertTrue(DSP_PACKAGE_READS_NO_IDENTIFIERS.evaluate(handMade).hasViolation(),
                "HandMadeUserWriter reads device.ifa and user.eids");
    }

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
