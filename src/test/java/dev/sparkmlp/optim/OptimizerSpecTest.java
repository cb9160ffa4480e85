package dev.sparkmlp.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkmlp.math.Segments;
import org.junit.jupiter.api.Test;

class OptimizerSpecTest {

  @Test
  void defaultsAndBuild() {
    OptimizerSpec adam = OptimizerSpec.defaults("adam");
    assertEquals(new OptimizerSpec("adam", 0.9, 0.999, 1e-8, 0.9, 0.999, true, 0,
        OptimizerSpec.DEFAULT_TRUST_COEFFICIENT), adam);
    assertEquals(0.01, OptimizerSpec.defaults("adamw").weightDecay());
    assertEquals(adam, OptimizerSpec.of(" ADAM "));

    Segments decayed = Segments.of(0, 4);
    assertInstanceOf(Sgd.class, OptimizerSpec.of("sgd").build(decayed));
    assertInstanceOf(Momentum.class, OptimizerSpec.of("momentum").build(decayed));
    assertInstanceOf(RmsProp.class, OptimizerSpec.of("rmsprop").build(decayed));
    assertInstanceOf(Adam.class, adam.build(decayed));
    AdamW w = (AdamW) OptimizerSpec.of("adamw").build(decayed);
    assertSame(decayed, w.decayed());
    assertEquals(0.01, w.weightDecay());
    // lamb and lars compute a trust ratio per weight matrix, the segments adamw decays.
    Lamb lamb = (Lamb) OptimizerSpec.of("lamb").build(decayed);
    assertSame(decayed, lamb.adapted());
    assertEquals(0.01, lamb.weightDecay());
    Lars lars = (Lars) OptimizerSpec.of("lars").build(decayed);
    assertSame(decayed, lars.adapted());
    assertEquals(0.01, lars.weightDecay());
    assertEquals(0.9, lars.momentum());
    assertEquals(0.001, lars.trustCoefficient());
    assertEquals(0.001, adam.trustCoefficient(), "the 8-field constructor takes the default");
    for (String name : OptimizerSpec.NAMES) {
      assertEquals(name, OptimizerSpec.of(name).build(Segments.EMPTY).name());
    }
  }

  @Test
  void noArgConstructorsUseTheSpecDefaults() {
    OptimizerSpec d = OptimizerSpec.defaults("adam");
    Adam adam = new Adam();
    assertEquals(d.beta1(), adam.beta1());
    assertEquals(d.beta2(), adam.beta2());
    assertEquals(d.eps(), adam.eps());
    Momentum momentum = new Momentum();
    assertEquals(d.momentum(), momentum.beta());
    assertEquals(d.biasCorrection(), momentum.biasCorrection());
    RmsProp rms = new RmsProp();
    assertEquals(d.rho(), rms.rho());
    assertEquals(d.eps(), rms.eps());
    assertEquals(d.biasCorrection(), rms.biasCorrection());
  }

  @Test
  void buildPassesEachField() {
    RmsProp rms = (RmsProp) OptimizerSpec.of("rmsprop").with("rho", "0.5").with("eps", "1e-3")
        .with("biasCorrection", "false").build(Segments.EMPTY);
    assertEquals(0.5, rms.rho());
    assertEquals(1e-3, rms.eps());
    assertFalse(rms.biasCorrection());
    Momentum m = (Momentum) OptimizerSpec.of("momentum").with("momentum", "0.8")
        .build(Segments.EMPTY);
    assertEquals(0.8, m.beta());
    AdamW aw = (AdamW) OptimizerSpec.of("adamw").with("beta1", "0.8").with("beta2", "0.99")
        .with("weightDecay", "0.05").build(Segments.EMPTY);
    assertEquals(0.8, aw.beta1());
    assertEquals(0.99, aw.beta2());
    assertEquals(0.05, aw.weightDecay());
    Lamb lamb = (Lamb) OptimizerSpec.of("lamb").with("beta1", "0.8").with("beta2", "0.99")
        .with("eps", "1e-6").with("weightDecay", "0.02").build(Segments.EMPTY);
    assertEquals(0.8, lamb.beta1());
    assertEquals(0.99, lamb.beta2());
    assertEquals(1e-6, lamb.eps());
    assertEquals(0.02, lamb.weightDecay());
    Lars lars = (Lars) OptimizerSpec.of("lars").with("momentum", "0.95")
        .with("weightDecay", "5e-4").with("trustCoefficient", "0.02").build(Segments.EMPTY);
    assertEquals(0.95, lars.momentum());
    assertEquals(5e-4, lars.weightDecay());
    assertEquals(0.02, lars.trustCoefficient());
  }

  @Test
  void errorsNameTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("adagrad"));
    assertEquals("unknown optimizer 'adagrad'; valid: sgd, momentum, rmsprop, adam, adamw, lamb,"
        + " lars", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("adam").with("weightDecay", "0.1"));
    assertTrue(e.getMessage().contains("only used by adamw, lamb, lars"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("lars").with("trustCoefficient", "-1"));
    assertTrue(e.getMessage().contains("lars: trustCoefficient=-1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("adam").with("beta2", "abc"));
    assertTrue(e.getMessage().contains("'beta2'") && e.getMessage().contains("'abc'"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("adam").with("beta3", "0.1"));
    assertTrue(e.getMessage().contains("'beta3'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("adam").with("beta1", "1"));
    assertTrue(e.getMessage().contains("beta1=1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerSpec.of("rmsprop").with("biasCorrection", "yes"));
    assertTrue(e.getMessage().contains("'biasCorrection'"), e.getMessage());
    assertThrows(NullPointerException.class, () -> OptimizerSpec.of("adamw").build(null));
  }
}
