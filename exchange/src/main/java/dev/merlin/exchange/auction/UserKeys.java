package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.User;

/** Picks the key a user's data is stored under, and hashes it for frequency caps, without allocating. */
public final class UserKeys {

    private static final String ZERO_IFA = "00000000-0000-0000-0000-000000000000";

    private UserKeys() {
    }

    /**
     * The user key of a request, in order of preference: {@code user.buyeruid} (Merlin's own uid, as the seller
     * mapped it), {@code user.id}, then {@code device.ifa} (a zeroed IFA means "no IFA"); null when none.
     */
    public static String select(BidRequest request) {
        User user = request.user;
        if (user != null) {
            if (isPresent(user.buyeruid)) {
                return user.buyeruid;
            }
            if (isPresent(user.id)) {
                return user.id;
            }
        }
        Device device = request.device;
        if (device != null && isPresent(device.ifa) && !ZERO_IFA.equals(device.ifa)) {
            return device.ifa;
        }
        return null;
    }

    private static boolean isPresent(String value) {
        return value != null && !value.isEmpty();
    }

    /** A 64-bit FNV-1a hash of the key's chars, never 0 (0 means "no user"). */
    public static long hash(CharSequence key) {
        if (key == null) {
            return 0;
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
