using RevNet.ILGPU.Training;

namespace RevNet.ILGPU.Tests.Training;

public sealed class ScheduleTests
{
    [Fact]
    public void Constant_IsConstant()
    {
        LearningRateSchedule s = LearningRateSchedule.Constant(0.05f);
        s.GetLearningRate(0).Should().Be(0.05f);
        s.GetLearningRate(1_000_000).Should().Be(0.05f);
    }

    [Fact]
    public void Step_DecaysAtEachMilestone()
    {
        LearningRateSchedule s = LearningRateSchedule.Step(0.1f, [100, 150], 0.1f);
        s.GetLearningRate(0).Should().Be(0.1f);
        s.GetLearningRate(99).Should().Be(0.1f);
        const double Gamma = 0.1f; // the factor as stored (a float), applied in double
        s.GetLearningRate(100).Should().Be((float)(0.1f * Gamma));
        s.GetLearningRate(149).Should().Be((float)(0.1f * Gamma));
        s.GetLearningRate(150).Should().Be((float)(0.1f * Gamma * Gamma));
    }

    [Fact]
    public void Cosine_AnnealsFromBaseToMin()
    {
        LearningRateSchedule s = LearningRateSchedule.Cosine(0.2f, 100, 0.02f);
        s.GetLearningRate(0).Should().Be(0.2f);
        s.GetLearningRate(50).Should().BeApproximately(0.11f, 1e-6f);
        s.GetLearningRate(25).Should().BeApproximately((float)(0.02 + (0.18 * 0.5 * (1 + Math.Cos(Math.PI / 4)))), 1e-7f);
        s.GetLearningRate(100).Should().BeApproximately(0.02f, 1e-7f);
        s.GetLearningRate(500).Should().BeApproximately(0.02f, 1e-7f);
        Enumerable.Range(0, 100).Select(i => s.GetLearningRate(i)).Should().BeInDescendingOrder();
    }

    [Fact]
    public void WithWarmup_RampsLinearlyThenFollowsTheSchedule()
    {
        LearningRateSchedule s = LearningRateSchedule.Cosine(0.1f, 100).WithWarmup(10);
        s.GetLearningRate(0).Should().BeApproximately(0.1f * 1 / 10, 1e-7f);
        s.GetLearningRate(4).Should().BeApproximately((float)(LearningRateSchedule.Cosine(0.1f, 100).GetLearningRate(4) * 5.0 / 10), 1e-7f);
        s.GetLearningRate(10).Should().Be(LearningRateSchedule.Cosine(0.1f, 100).GetLearningRate(10));
        s.BaseLearningRate.Should().Be(0.1f);
        LearningRateSchedule.Constant(1f).WithWarmup(0).GetLearningRate(0).Should().Be(1f);
    }

    [Fact]
    public void Factories_BadArguments_Throw()
    {
        FluentActions.Invoking(() => LearningRateSchedule.Constant(-1f)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => LearningRateSchedule.Step(0.1f, [10, 5])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => LearningRateSchedule.Step(0.1f, [10], 0f)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => LearningRateSchedule.Cosine(0.1f, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => LearningRateSchedule.Constant(0.1f).GetLearningRate(-1)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
