package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Merlin's uid cookie values: only one this key signed verifies. */
class UidCookiesTest {

    private final UidCookies uids = IdentityKeys.of("uid-cookie-test-secret".getBytes(StandardCharsets.UTF_8))
            .uidCookies();

    @Test
    void anIssuedUidVerifiesAndIsUnique() {
        String uid = uids.issue();
        assertEquals(UidCookies.LENGTH, uid.length(), uid);
        assertTrue(uid.matches("[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22}"), uid);
        assertTrue(uids.isIssued(uid));
        assertNotEquals(uid, uids.issue());
    }

    @Test
    void anythingElseIsNoUid() {
        String uid = uids.issue();
        UidCookies other = IdentityKeys.of("another-exchange-secret".getBytes(StandardCharsets.UTF_8)).uidCookies();
        assertFalse(uids.isIssued(other.issue()), "signed with another key");
        assertFalse(uids.isIssued(null));
        assertFalse(uids.isIssued(""));
        assertFalse(uids.isIssued("6D92078A-8246-4BA4-AE5B-76104861E7DC"), "a device IFA");
        assertFalse(uids.isIssued("0123456789abcdef0123456789abcdef"), "an unsigned uid as they were issued before");
        assertFalse(uids.isIssued(uid.substring(0, 23) + "AAAAAAAAAAAAAAAAAAAAAA"), "a forged tag");
        char last = uid.charAt(uid.length() - 1);
        assertFalse(uids.isIssued(uid.substring(0, uid.length() - 1) + (last == 'A' ? 'B' : 'A')), "one char off");
        char first = uid.charAt(0);
        assertFalse(uids.isIssued((first == 'A' ? 'B' : 'A') + uid.substring(1)), "another id, the same tag");
        assertFalse(uids.isIssued(uid + "x"));
    }

    @Test
    void aSyncStateVerifiesOnlyForItsUidDspAndTimeAndIsNeverAUid() {
        String uid = uids.issue();
        long expires = 1_781_528_400L;
        String state = uids.syncState(uid, "alpha", expires);
        assertTrue(uids.isSyncState(state, uid, "alpha", expires), "good until its expiry");
        assertTrue(uids.isSyncState(state, uid, "alpha", expires - 3_600));
        assertFalse(uids.isSyncState(state, uid, "alpha", expires + 1), "expired");
        assertFalse(uids.isSyncState(state, uids.issue(), "alpha", expires - 1), "another browser's uid");
        assertFalse(uids.isSyncState(state, uid, "beta", expires - 1), "another DSP");
        assertFalse(uids.isSyncState(state, null, "alpha", expires - 1), "a browser without a uid");
        String tag = state.substring(state.indexOf('.') + 1);
        assertFalse(uids.isSyncState((expires + 86_400) + "." + tag, uid, "alpha", expires), "a later expiry");
        assertFalse(uids.isSyncState("0" + state, uid, "alpha", expires - 1), "another spelling of the expiry");
        assertFalse(uids.isSyncState("-1." + tag, uid, "alpha", 0));
        assertFalse(uids.isSyncState("9999999999999." + tag, uid, "alpha", 0), "more digits than any expiry has");
        assertFalse(uids.isSyncState(null, uid, "alpha", 0));
        assertFalse(uids.isSyncState("", uid, "alpha", 0));
        assertFalse(uids.isSyncState("." + tag, uid, "alpha", 0));
        UidCookies other = IdentityKeys.of("another-exchange-secret".getBytes(StandardCharsets.UTF_8)).uidCookies();
        assertFalse(other.isSyncState(state, uid, "alpha", expires - 1), "signed with another key");
        assertFalse(uids.isIssued(uid.substring(0, 22) + "." + tag), "a state's tag never makes a uid");
    }
}
