package dev.merlin.exchange.privacy;

/** The user's live audience segments in Merlin, as the outbound writer reads them: a view, allocation-free. */
public interface AudienceSegments {

    /** How many segments. */
    int size();

    /** The {@code index}-th segment's id. */
    int get(int index);
}
