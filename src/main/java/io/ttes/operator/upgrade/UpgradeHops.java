package io.ttes.operator.upgrade;

import io.ttes.operator.api.v1alpha1.Hop;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus;
import io.ttes.operator.api.v1alpha1.StackUpgradeStatus.Plan;
import io.ttes.operator.api.v1alpha1.UpgradePhase;
import io.ttes.operator.status.Outcome;
import io.ttes.operator.version.TtesVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The hops of a multi-hop upgrade in status.hops: the StackUpgrade walks them in place. Each hop is
 * an ordinary plan (status.plan with {@code plan.hop}, its own hash, approval, snapshots, steps and
 * migrations, all named with its own attempt); when its last step succeeded the hop is recorded as
 * Succeeded and the upgrade goes back to Pending, still holding the cluster's lock, to plan the
 * next one. Only a Succeeded record is a fact ({@link #finished}); the rest of status.hops is laid
 * out again from the {@link HopRoute} after every reconcile ({@link #layOut}).
 */
final class UpgradeHops {
  static final String HOP_STARTED = "HopStarted";
  static final String HOP_SUCCEEDED = "HopSucceeded";
  static final String HOP_FAILED = "HopFailed";
  static final String PENDING = "Pending";
  static final String SUCCEEDED = "Succeeded";

  private final UpgradeEndings endings;

  UpgradeHops(UpgradeEndings endings) {
    this.endings = endings;
  }

  /** The hops status.hops records as Succeeded, in order: the start of the route. */
  static List<HopRoute.Leg> finished(StackUpgradeStatus status) {
    List<HopRoute.Leg> out = new ArrayList<>();
    if (status == null) {
      return out;
    }
    for (Hop h : status.getHops()) {
      if (!SUCCEEDED.equals(h.getPhase())) {
        break;
      }
      Optional<TtesVersion> from = TtesVersion.parse(h.getFrom());
      Optional<TtesVersion> to = TtesVersion.parse(h.getVersion());
      if (from.isEmpty() || to.isEmpty()) {
        break;
      }
      out.add(new HopRoute.Leg(from.get(), to.get(), h.getReasons(), List.of(), true));
    }
    return out;
  }

  /**
   * What the plan hash covers of the hop a plan is for ({@code hop 1/2: 3.23.2 → 3.24.2}), so that
   * no two hops' plans share a hash and an approval of one never executes another; null for a plan
   * without hops, whose hash stays as it was.
   */
  static String hashed(UpgradeRun run) {
    Plan plan = run.status.getPlan();
    if (plan == null || plan.getHop() == null || run.validation == null) {
      return null;
    }
    HopRoute route = run.validation.route();
    int index = plan.getHop() - 1;
    return route == null || index < 0 || index >= route.legs().size() ? null : route.label(index);
  }

  /** Whether the upgrade walks hops and its rollback has not started (a rollback has no hops). */
  static boolean walking(UpgradeRun run) {
    return run.validation != null
        && run.validation.multiHop()
        && !RollbackPlanner.isRollback(run.status.getPlan())
        && (run.status.getRollback() == null || run.status.getRollback().getStartedAt() == null);
  }

  /**
   * The current hop's last step succeeded. Returns null when it was the last hop (recorded as
   * Succeeded; the upgrade succeeds); otherwise records it, and sends the upgrade back to Pending
   * with the next attempt's names to plan the next hop, keeping the lock. One status write, no AWS
   * call: a crash before it finds every step done and comes here again.
   */
  PhaseResult finishHop(UpgradeRun run) {
    if (!walking(run)) {
      return null;
    }
    StackUpgradeStatus status = run.status;
    layOut(run);
    int index = current(status);
    Hop done = status.getHops().get(index);
    done.setPhase(SUCCEEDED);
    done.setFinishedAt(endings.now());
    if (status.getPlan() != null) {
      done.setPlanHash(status.getPlan().getHash());
    }
    String label = status.getHop();
    boolean last = index == status.getHops().size() - 1;
    String next = last ? null : label(status, index + 1);
    endings.events.normal(
        run.resource,
        HOP_SUCCEEDED,
        label
            + " done: the stacks run "
            + done.getVersion()
            + " and its migrations ran"
            + (last ? "" : "; next " + next));
    if (last) {
      return null;
    }
    status.setHop(next);
    status.setAttempt(run.attempt() + 1);
    status.setPlan(null);
    status.setSteps(new ArrayList<>());
    status.setWindow(null);
    status.setPhase(UpgradePhase.Pending);
    return new PhaseResult(
        Outcome.reconciling(UpgradeReasons.PLANNING, label + " done; planning " + next),
        Duration.ofMillis(1));
  }

  /**
   * Writes status.hops and status.hop from the route: finished hops as recorded, the current one
   * with the upgrade's phase and plan hash, the later ones Pending. The current hop's start (the
   * first reconcile past Pending) and a failure are announced once, as the stored status changes.
   */
  void layOut(UpgradeRun run) {
    StackUpgradeStatus status = run.status;
    if (!walking(run)) {
      return;
    }
    HopRoute route = run.validation.route();
    List<Hop> old = status.getHops();
    List<Hop> hops = new ArrayList<>();
    for (int i = 0; i < route.legs().size(); i++) {
      HopRoute.Leg leg = route.legs().get(i);
      Hop h = i < old.size() && same(old.get(i), leg) ? old.get(i) : hop(leg);
      hops.add(h);
    }
    status.setHops(hops);
    int index = current(status);
    for (int i = index + 1; i < hops.size(); i++) {
      Hop later = hops.get(i);
      later.setPhase(PENDING);
      later.setStartedAt(null);
      later.setFinishedAt(null);
      later.setPlanHash(null);
    }
    status.setHop(label(status, index));
    Hop h = hops.get(index);
    if (SUCCEEDED.equals(h.getPhase())) {
      return;
    }
    UpgradePhase phase = status.getPhase() == null ? UpgradePhase.Pending : status.getPhase();
    String before = h.getPhase();
    h.setPhase(phase.name());
    Plan plan = status.getPlan();
    if (plan != null && Objects.equals(plan.getHop(), index + 1) && plan.getHash() != null) {
      h.setPlanHash(plan.getHash());
    }
    if (phase != UpgradePhase.Pending && h.getStartedAt() == null) {
      h.setStartedAt(endings.now());
      endings.events.normal(
          run.resource,
          HOP_STARTED,
          status.getHop()
              + ": planning the stacks' move to "
              + h.getVersion()
              + (h.getReasons().isEmpty() ? "" : " (" + String.join("; ", h.getReasons()) + ")"));
    }
    if (phase == UpgradePhase.Failed && !UpgradePhase.Failed.name().equals(before)) {
      h.setFinishedAt(endings.now());
      endings.events.warning(
          run.resource,
          HOP_FAILED,
          status.getHop() + " failed; a retry resumes this hop, the finished hops are not redone");
    } else if (phase != UpgradePhase.Failed) {
      h.setFinishedAt(null);
    }
  }

  /** The outcome with the current hop in front of its message, while hops are walked. */
  static Outcome named(UpgradeRun run, Outcome outcome) {
    String hop = run.status.getHop();
    if (outcome == null
        || hop == null
        || !walking(run)
        || outcome.message() == null
        || outcome.message().startsWith("hop ")
        || (outcome.state() != Outcome.State.RECONCILING
            && outcome.state() != Outcome.State.FAILED)) {
      return outcome;
    }
    return new Outcome(outcome.state(), outcome.reason(), hop + ": " + outcome.message());
  }

  /** The first hop not Succeeded; the last one when all are. */
  private static int current(StackUpgradeStatus status) {
    List<Hop> hops = status.getHops();
    for (int i = 0; i < hops.size(); i++) {
      if (!SUCCEEDED.equals(hops.get(i).getPhase())) {
        return i;
      }
    }
    return hops.size() - 1;
  }

  private static String label(StackUpgradeStatus status, int index) {
    Hop h = status.getHops().get(index);
    return "hop "
        + (index + 1)
        + "/"
        + status.getHops().size()
        + ": "
        + h.getFrom()
        + " → "
        + h.getVersion();
  }

  private static boolean same(Hop h, HopRoute.Leg leg) {
    return leg.from().toString().equals(h.getFrom()) && leg.to().toString().equals(h.getVersion());
  }

  private static Hop hop(HopRoute.Leg leg) {
    Hop h = new Hop();
    h.setFrom(leg.from().toString());
    h.setVersion(leg.to().toString());
    h.setPhase(leg.finished() ? SUCCEEDED : PENDING);
    h.setReasons(new ArrayList<>(leg.reasons()));
    return h;
  }
}
