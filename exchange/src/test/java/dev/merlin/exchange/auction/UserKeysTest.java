package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which id is a user: sentinels (what a device reports when tracking is refused) never are. */
class UserKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"00000000-0000-0000-0000-000000000000", "0", "00", "0000000000000000",
        "00000000000000000000000000000000", "-", "", " ", "null", "NULL", "undefined", "Unknown"})
    void sentinelsAreNoUser(String id) {
        assertTrue(UserKeys.isSentinel(id), id);
        assertFalse(UserKeys.isUser(id), id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"6D92078A-8246-4BA4-AE5B-76104861E7DC", "00000000-0000-0000-0000-000000000001", "1",
        "o", "nul", "nullx", "merlin-uid-1"})
    void realIdsAreUsers(String id) {
        assertFalse(UserKeys.isSentinel(id), id);
        assertTrue(UserKeys.isUser(id), id);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"buyeruid\":\"0\",\"id\":\"app-user\"}|{\"ifa\":\"ifa-1\"}|app-user",
        "{\"buyeruid\":\"00000000-0000-0000-0000-000000000000\"}|{\"ifa\":\"ifa-1\"}|ifa-1",
        "{\"id\":\"undefined\"}|{\"ifa\":\"ifa-1\"}|ifa-1",
        "{\"buyeruid\":\"merlin-uid\"}|{\"ifa\":\"ifa-1\"}|merlin-uid"})
    void selectSkipsASentinelForTheNextKey(String user, String device, String expected) {
        assertEquals(expected, UserKeys.select(AuctionFixture.request("{\"id\":\"r\",\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250}}],\"app\":{\"bundle\":\"b\"},\"user\":" + user + ",\"device\":"
                + device + "}")));
    }

    @Test
    void onlySentinelsIsNoKey() {
        assertNull(UserKeys.select(AuctionFixture.request("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
                + "\"h\":250}}],\"app\":{\"bundle\":\"b\"},\"user\":{\"buyeruid\":\"0\",\"id\":\"0000\"},"
                + "\"device\":{\"ifa\":\"00000000-0000-0000-0000-000000000000\"}}")));
    }
}
