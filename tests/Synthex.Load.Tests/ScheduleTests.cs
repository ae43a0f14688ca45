namespace Synthex.Load.Tests;

/// <summary>The open-loop schedules' rate over time, and their parsing.</summary>
public class ScheduleTests
{
    [Fact]
    public void Constant_rate_holds_over_the_window_and_after()
    {
        var s = RateSchedule.Constant(2500, 10);
        Assert.Equal(2500, s.RateAt(-1));
        Assert.Equal(2500, s.RateAt(5));
        Assert.Equal(2500, s.RateAt(50));
        Assert.Equal(10, s.Seconds);
    }

    [Fact]
    public void Ramp_rises_linearly_from_A_to_B_over_the_duration()
    {
        var s = RateSchedule.ParseRamp("1000..5000", 4);
        Assert.Equal(1000, s.RateAt(0), 6);
        Assert.Equal(2000, s.RateAt(1), 6);
        Assert.Equal(4000, s.RateAt(3), 6);
        Assert.Equal(5000, s.RateAt(4), 6);
        Assert.Equal(5000, s.PeakRate);
    }

    [Fact]
    public void Steps_follow_each_other_and_set_the_length()
    {
        var s = RateSchedule.ParseSteps("100:2, 400:1,50:3");
        Assert.Equal(100, s.RateAt(1.9));
        Assert.Equal(400, s.RateAt(2.5));
        Assert.Equal(50, s.RateAt(3.1));
        Assert.Equal(6, s.Seconds);
        Assert.Equal(400, s.PeakRate);
    }

    [Theory]
    [InlineData("--ramp", "1000")]
    [InlineData("--ramp", "0..10")]
    [InlineData("--ramp", "a..b")]
    [InlineData("--steps", "100:0")]
    [InlineData("--steps", "100")]
    [InlineData("--steps", "-5:1")]
    public void Bad_shapes_are_refused_naming_the_option(string option, string text)
    {
        var e = Assert.Throws<LoadConfigurationException>(() => option == "--ramp" ? RateSchedule.ParseRamp(text, 1) : RateSchedule.ParseSteps(text));
        Assert.StartsWith(option, e.Message);
    }
}
