package dev.merlin.archfixture.second;

import dev.merlin.archfixture.first.First;

/** The other half of a deliberate package cycle: proves ArchitectureTest's cycle rule can fail. */
public final class Second {

    /** Depends back on the first package. */
    public First back() {
        return new First();
    }
}
