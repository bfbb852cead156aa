package dev.merlin.dspsim;

import java.util.List;

/**
 * What the simulator reads of a bid request: just enough to answer it.
 *
 * @param id         the request id the answer echoes
 * @param currencies {@code cur}, empty when absent
 * @param tmaxMillis {@code tmax}, or {@code -1} when absent
 * @param imps       the imps in request order
 */
record SimRequest(String id, List<String> currencies, int tmaxMillis, List<Imp> imps) {

    /** The media type an imp offers, in the order the simulator prefers them when an imp offers several. */
    enum Media {
        BANNER(1), VIDEO(2), AUDIO(3), NATIVE(4);

        private final int mtype;

        Media(int mtype) {
            this.mtype = mtype;
        }

        /** OpenRTB 2.6 {@code bid.mtype}. */
        int mtype() {
            return mtype;
        }
    }

    /**
     * One imp.
     *
     * @param id               {@code imp.id}
     * @param bidFloor         {@code imp.bidfloor}, 0 when absent
     * @param bidFloorCur      {@code imp.bidfloorcur}, or null
     * @param isSecure         {@code imp.secure == 1}
     * @param width            the banner's (or its first format's) or the video's width, 0 when unknown
     * @param height           the matching height, 0 when unknown
     * @param media            the media type the simulator answers with, or null when the imp names none
     * @param isPrivateAuction {@code imp.pmp.private_auction == 1}
     * @param deals            {@code imp.pmp.deals}, empty when none
     */
    record Imp(String id, double bidFloor, String bidFloorCur, boolean isSecure, int width, int height, Media media,
               boolean isPrivateAuction, List<Deal> deals) {
    }

    /**
     * One deal of an imp.
     *
     * @param id       {@code deal.id}
     * @param bidFloor {@code deal.bidfloor}, 0 when absent
     */
    record Deal(String id, double bidFloor) {
    }
}
