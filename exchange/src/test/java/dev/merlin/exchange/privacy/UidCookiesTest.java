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
}
