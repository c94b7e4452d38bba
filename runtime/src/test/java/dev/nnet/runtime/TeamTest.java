package dev.nnet.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class TeamTest {

  /** Counts, for every task, which parts ran and on how many distinct threads. */
  private static final class Recorder implements Team.Work {
    final AtomicIntegerArray ran = new AtomicIntegerArray(64);
    volatile int parts;

    @Override
    public void runPart(int task, int part, int parts) {
      this.parts = parts;
      ran.incrementAndGet(part);
    }
  }

  @Test
  void everyPartRunsExactlyOncePerRun() {
    for (int size = 1; size <= 4; size++) {
      Team team = Team.shared(size);
      assertSame(team, Team.shared(size), "one shared team per size");
      assertEquals(size, team.size());
      Recorder r = new Recorder();
      for (int i = 0; i < 20_000; i++) team.run(r, 7);
      assertEquals(size, r.parts);
      for (int p = 0; p < size; p++) assertEquals(20_000, r.ran.get(p), "part " + p + " of " + size);
      assertEquals(0, r.ran.get(size), "no part beyond the team's size");
    }
  }

  @Test
  void helpersThatParkedWakeUpForTheNextTask() throws InterruptedException {
    Team team = Team.shared(2);
    Recorder r = new Recorder();
    team.run(r, 1);
    Thread.sleep(50);  // far past the spin time: the helper parks
    team.run(r, 1);
    assertEquals(2, r.ran.get(1));
  }

  @Test
  void aFailingPartFailsTheRunAndTheTeamGoesOn() {
    Team team = Team.shared(2);
    Team.Work failing = (task, part, parts) -> {
      if (part == 1) throw new IllegalStateException("part 1 failed");
    };
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.run(failing, 0));
    assertEquals("part 1 failed", e.getMessage());
    Recorder r = new Recorder();
    team.run(r, 0);
    assertEquals(1, r.ran.get(1), "the helper survived");
  }

  @Test
  void aSizeBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Team.shared(0));
  }
}
