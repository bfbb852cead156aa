/**
 * The OpenRTB 2.6 object model: one mutable class per spec object, public fields named exactly as the JSON keys.
 *
 * <p>Conventions the decoders and encoders rely on: an absent key is {@code null} (spec defaults such as
 * {@code at = 2} are never filled in), spec integers are {@code Integer}, floats {@code Double}, arrays
 * {@code List}, and every object keeps its {@code ext} verbatim as {@link RawJson}. The single
 * renamed field is {@code Imp.nativeAd}, the JSON key {@code native}.
 */
package dev.merlin.protocol.model;
