package dev.merlin.dspsim;

/** The notices the simulator's bids point back at it: the paths their URLs use. */
public enum NoticeKind {
    /** {@code nurl}: {@code GET /win?price=${AUCTION_PRICE}&bid=...}. */
    WIN("/win"),
    /** {@code burl}: {@code GET /bill?price=${AUCTION_PRICE}&bid=...}. */
    BILL("/bill"),
    /** {@code lurl}: {@code GET /loss?code=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}&bid=...}. */
    LOSS("/loss");

    private final String path;

    NoticeKind(String path) {
        this.path = path;
    }

    /** The path of this notice on the simulator. */
    public String path() {
        return path;
    }
}
