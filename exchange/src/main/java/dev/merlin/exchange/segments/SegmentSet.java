package dev.merlin.exchange.segments;

import dev.merlin.exchange.privacy.AudienceSegments;

import java.util.Arrays;

/**
 * A small reusable set of segment ids, owned by one thread and reset between requests.
 *
 * <p>Users hold a few dozen segments at most, so membership is a linear scan over a packed array: no
 * hashing, no boxing, and nothing is allocated once the array has grown to the largest user seen. The
 * set also carries the scratch record that {@link SegmentStore#read} decodes into, which makes that
 * scratch per thread without a {@code ThreadLocal} look-up.
 */
public final class SegmentSet implements AudienceSegments {

    private static final int DEFAULT_CAPACITY = 64;

    private int[] ids;
    private int size;
    final SegmentRecord scratch;

    /** An empty set sized for the default per-user cap. */
    public SegmentSet() {
        this(DEFAULT_CAPACITY);
    }

    /** An empty set that holds {@code initialCapacity} ids before it grows. */
    public SegmentSet(int initialCapacity) {
        ids = new int[Math.max(1, initialCapacity)];
        scratch = new SegmentRecord(Math.max(1, initialCapacity));
    }

    /** Empties the set, keeping its arrays. */
    public void clear() {
        size = 0;
    }

    /** Adds a segment id; returns false if it was already there. */
    public boolean add(int segmentId) {
        if (contains(segmentId)) {
            return false;
        }
        append(segmentId);
        return true;
    }

    /** Appends an id the caller knows is absent (ids in a stored record are unique). */
    void append(int segmentId) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = segmentId;
    }

    /** Whether the set holds the segment id. */
    public boolean contains(int segmentId) {
        final int[] a = ids;
        for (int i = 0, n = size; i < n; i++) {
            if (a[i] == segmentId) {
                return true;
            }
        }
        return false;
    }

    /** The number of ids held. */
    public int size() {
        return size;
    }

    /** Whether the set is empty. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** The id at {@code index}, in insertion order, for {@code 0 <= index < size()}. */
    public int get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return ids[index];
    }

    @Override
    public String toString() {
        return Arrays.toString(Arrays.copyOf(ids, size));
    }
}
