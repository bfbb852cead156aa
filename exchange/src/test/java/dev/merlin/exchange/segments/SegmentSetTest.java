package dev.merlin.exchange.segments;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentSetTest {

    @Test
    void addsOnceKeepsOrderAndGrows() {
        SegmentSet set = new SegmentSet(2);
        assertTrue(set.isEmpty());
        assertTrue(set.add(5));
        assertTrue(set.add(-1));
        assertFalse(set.add(5));
        assertTrue(set.add(9));
        assertEquals(3, set.size());
        assertEquals(5, set.get(0));
        assertEquals(-1, set.get(1));
        assertEquals(9, set.get(2));
        assertTrue(set.contains(9));
        assertFalse(set.contains(10));
        assertThrows(IndexOutOfBoundsException.class, () -> set.get(3));
        set.clear();
        assertEquals(0, set.size());
        assertFalse(set.contains(5));
        assertEquals("[]", set.toString());
    }
}
