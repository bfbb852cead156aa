package dev.merlin.archfixture.first;

import dev.merlin.archfixture.second.Second;

/** Half of a deliberate package cycle: proves ArchitectureTest's cycle rule can fail. */
public final class First {

    /** Depends on the other package. */
    public Second next() {
        return new Second();
    }
}
