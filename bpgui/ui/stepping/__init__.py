"""Stepping through one pass: the session, the Step and Paths panels, the Run controls and
the pass drawn on the canvas."""
