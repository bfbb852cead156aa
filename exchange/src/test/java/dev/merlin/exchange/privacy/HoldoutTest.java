package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rollout's control group: its share, its countries, a user's arm stable across requests and nodes, independent
 * of other keys, and the consent gate keeping held-out users contextual (and only users the rollout would reach).
 */
class HoldoutTest {

    private static final UserHash KEY = IdentityKeys.of(bytes("a holdout test secret of 32 chars+")).holdoutHash();
    private static final UserHash OTHER_KEY = IdentityKeys.of(bytes("another secret, another node set!")).holdoutHash();
    private static final int USERS = 100_000;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theControlGroupIsTheConfiguredShareOfUsers() {
        Holdout holdout = new Holdout(0.1, Set.of("KOR"), KEY);
        int control = 0;
        for (int i = 0; i < USERS; i++) {
            int arm = holdout.arm("user-" + i, "KOR");
            assertTrue(arm == Holdout.CONTROL || arm == Holdout.TREATMENT);
            control += arm == Holdout.CONTROL ? 1 : 0;
        }
        // binomial(100,000, 0.1): sd 95; 5 sd either side
        assertEquals(10_000, control, 475, "held out of " + USERS);
    }

    @Test
    void aUsersArmIsTheSameOnEveryRequestAndNodeButDependsOnTheKey() {
        Holdout holdout = new Holdout(0.5, Set.of(), KEY);
        Holdout sameSecret = new Holdout(0.5, Set.of(), IdentityKeys.of(bytes("a holdout test secret of 32 chars+"))
                .holdoutHash());
        Holdout otherSecret = new Holdout(0.5, Set.of(), OTHER_KEY);
        int differ = 0;
        for (int i = 0; i < 10_000; i++) {
            String user = "user-" + i;
            int arm = holdout.arm(user, "KOR");
            assertEquals(arm, holdout.arm(new String(user.toCharArray()), "KOR"));
            assertEquals(arm, sameSecret.arm(user, "JPN"), "countries do not move a user: the key alone decides");
            differ += arm != otherSecret.arm(user, "KOR") ? 1 : 0;
        }
        // independent halves disagree half the time (sd 50)
        assertEquals(5_000, differ, 300, "another secret draws other arms");
    }

    @Test
    void theHoldoutUsesAKeyOfItsOwnNotTheUserHash() {
        IdentityKeys keys = IdentityKeys.of(bytes("a holdout test secret of 32 chars+"));
        assertFalse(keys.userHash().hash("user-1") == keys.holdoutHash().hash("user-1"));
    }

    @Test
    void onlyUsersWithAKeyInTheHoldoutsCountriesHaveAnArm() {
        MerlinConfig config = config(new HoldoutConfig(1.0, List.of("EEA", "KOR")));
        Holdout holdout = Holdout.of(config, KEY);
        assertEquals(Set.of("DEU", "FRA", "KOR"), holdout.countries());
        assertEquals(Holdout.CONTROL, holdout.arm("u", "FRA"));
        assertEquals(Holdout.CONTROL, holdout.arm("u", "kor"), "countries compare ignoring case, as the gate's");
        assertEquals(Holdout.NO_ARM, holdout.arm("u", "USA"));
        assertEquals(Holdout.NO_ARM, holdout.arm("u", null), "an unknown country is outside a listed trial");
        assertEquals(Holdout.NO_ARM, holdout.arm(null, "FRA"), "no user key: no user to keep in an arm");
        Holdout everywhere = new Holdout(1.0, Set.of(), KEY);
        assertEquals(Holdout.CONTROL, everywhere.arm("u", null), "no countries: wherever the gate allowed");
        assertSame(Holdout.NONE, Holdout.of(config(HoldoutConfig.none()), KEY));
        assertFalse(Holdout.NONE.isActive());
        assertEquals(Holdout.NO_ARM, Holdout.NONE.arm("u", "FRA"));
        assertEquals("control", Holdout.label(Holdout.CONTROL));
        assertEquals("treatment", Holdout.label(Holdout.TREATMENT));
        assertEquals("none", Holdout.label(Holdout.NO_ARM));
    }

    @Test
    void theGateKeepsTheControlGroupContextualAndNamesTheTreatment() {
        PrivacyConfig privacy = PrivacyConfig.builder().personalizationCountries(List.of("KOR", "JPN")).build();
        ConsentGate gate = new ConsentGate(privacy, 64, null, new Holdout(0.5, Set.of("KOR"), KEY));
        int control = 0;
        for (int i = 0; i < 1_000; i++) {
            String user = "user-" + i;
            BidRequest korean = request("KOR");
            PrivacyDecision decision = gate.decide(korean, user);
            int arm = gate.arm(korean, user, decision);
            if (arm == Holdout.CONTROL) {
                control++;
                assertSame(RefusalReason.HOLDOUT, decision.reason());
            } else {
                assertEquals(Holdout.TREATMENT, arm);
                assertSame(PrivacyDecision.ALLOWED, decision);
            }
            BidRequest japanese = request("JPN");
            PrivacyDecision rolledOut = gate.decide(japanese, user);
            assertSame(PrivacyDecision.ALLOWED, rolledOut, "JPN is rolled out without a holdout");
            assertEquals(Holdout.NO_ARM, gate.arm(japanese, user, rolledOut));
        }
        assertEquals(500, control, 80);
        assertSame(PrivacyDecision.ALLOWED, gate.decide(request("KOR"), null), "no user key: no arm");
        assertEquals(Holdout.NO_ARM, gate.arm(request("KOR"), null, PrivacyDecision.ALLOWED));
    }

    @Test
    void theControlGroupHoldsOnlyUsersTheRolloutWouldReach() {
        PrivacyConfig privacy = PrivacyConfig.builder().personalizationCountries(List.of("KOR")).build();
        ConsentGate gate = new ConsentGate(privacy, 64, null, new Holdout(1.0, Set.of(), KEY));
        BidRequest child = request("KOR");
        child.regs = new Regs();
        child.regs.coppa = 1;
        PrivacyDecision coppa = gate.decide(child, "u");
        assertSame(RefusalReason.COPPA, coppa.reason());
        assertEquals(Holdout.NO_ARM, gate.arm(child, "u", coppa), "a child is in no arm: never personalised");
        PrivacyDecision elsewhere = gate.decide(request("USA"), "u");
        assertSame(RefusalReason.REGION_NOT_ROLLED_OUT, elsewhere.reason());
        assertEquals(Holdout.NO_ARM, gate.arm(request("USA"), "u", elsewhere));
        assertSame(RefusalReason.HOLDOUT, gate.decide(request("KOR"), "u").reason());
        assertSame(PrivacyDecision.ALLOWED, gate.decide(request("KOR")), "without the user key, no holdout");
    }

    @Test
    void aHeldOutUsersRequestToEveryDspIsContextual() {
        MerlinConfig config = config(new HoldoutConfig(1.0, List.of())).toBuilder()
                .dsps(List.of(dsp("seoul", "KOR"), dsp("frankfurt", "DEU"))).build().validate();
        assertEquals(2, config.dsps().size());
        OutboundRules rules = new OutboundRules(config);
        ConsentGate gate = new ConsentGate(config.privacy(), 64, null, Holdout.of(config, KEY));
        PrivacyDecision decision = gate.decide(request("KOR"), "u");
        assertSame(RefusalReason.HOLDOUT, decision.reason());
        for (int dsp = 0; dsp < config.dsps().size(); dsp++) {
            assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(decision, request("KOR"), dsp));
            assertEquals(OutboundRules.CALL, rules.verdict(decision, request("KOR"), dsp),
                    "called, contextually, like any refused decision");
        }
    }

    @Test
    void decidingWithAHoldoutAllocatesNothing() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        PrivacyConfig privacy = PrivacyConfig.builder().personalizationCountries(List.of("KOR")).build();
        ConsentGate gate = new ConsentGate(privacy, 64, null, new Holdout(0.5, Set.of("KOR"), KEY));
        String[] users = new String[64];
        for (int i = 0; i < users.length; i++) {
            users[i] = "user-" + i;
        }
        BidRequest request = request("KOR");
        long arms = 0;
        for (int i = 0; i < 200_000; i++) {
            arms += gate.arm(request, users[i & 63], gate.decide(request, users[i & 63]));
        }
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 5 && fewest > 0; round++) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 100_000; i++) {
                arms += gate.arm(request, users[i & 63], gate.decide(request, users[i & 63]));
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
        }
        assertTrue(arms > 0);
        assertEquals(0.0, (double) fewest / 100_000, 0.01, "bytes per decision: " + fewest + " in the best round");
    }

    private static MerlinConfig config(HoldoutConfig holdout) {
        MerlinConfig base = ConfigLoader.loadDefault();
        PrivacyConfig privacy = PrivacyConfig.builder().personalizationCountries(List.of("KOR", "DEU"))
                .holdout(holdout).build();
        return base.toBuilder().regions(Map.of("EEA", List.of("DEU", "FRA"))).privacy(privacy).build().validate();
    }

    private static DspConfig dsp(String id, String region) {
        return DspConfig.builder().id(id).name(id).endpoint("http://127.0.0.1:9/bid").region(region).build();
    }

    private static BidRequest request(String country) {
        BidRequest request = new BidRequest();
        request.user = new User();
        request.device = new Device();
        request.device.geo = new Geo();
        request.device.geo.country = country;
        return request;
    }
}
