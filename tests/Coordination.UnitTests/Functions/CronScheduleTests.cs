using System.Globalization;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.UnitTests.Functions;

/// <summary>Six-field NCRONTAB as the timer trigger reads it (notes §1.7). All times UTC.</summary>
public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("0 */5 * * * *", "2024-11-30T14:40:00Z", "2024-11-30T14:45:00Z")]
    [InlineData("0 */5 * * * *", "2024-11-30T14:41:30Z", "2024-11-30T14:45:00Z")]
    [InlineData("0 */5 * * * *", "2024-11-30T14:44:59.999Z", "2024-11-30T14:45:00Z")]
    [InlineData("0 */5 * * * *", "2024-11-30T23:55:00Z", "2024-12-01T00:00:00Z")]
    [InlineData("0 7 * * * *", "2024-11-30T14:40:00Z", "2024-11-30T15:07:00Z")]
    [InlineData("0 7 * * * *", "2024-11-30T15:06:59Z", "2024-11-30T15:07:00Z")]
    [InlineData("0 7 * * * *", "2024-12-31T23:30:00Z", "2025-01-01T00:07:00Z")]
    [InlineData("*/10 * * * * *", "2024-11-30T14:40:05Z", "2024-11-30T14:40:10Z")]
    [InlineData("*/10 * * * * *", "2024-11-30T14:40:55.5Z", "2024-11-30T14:41:00Z")]
    [InlineData("0 0 0 1 1 *", "2024-06-15T12:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("0 0 0 1 1 *", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z")]
    [InlineData("0 0 0 29 2 *", "2023-01-01T00:00:00Z", "2024-02-29T00:00:00Z")]
    [InlineData("0 0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z")]
    public void Next_finds_the_first_matching_second(string expression, string after, string expected)
    {
        Assert.Equal(Time(expected), CronSchedule.Parse(expression).Next(Time(after)));
    }

    [Fact]
    public void Next_is_strictly_after_a_matching_instant()
    {
        var schedule = CronSchedule.Parse("0 */5 * * * *");

        Assert.Equal(Time("2024-11-30T14:50:00Z"), schedule.Next(Time("2024-11-30T14:45:00Z")));
    }

    [Fact]
    public void Weekday_schedule_skips_the_weekend()
    {
        var schedule = CronSchedule.Parse("0 30 9 * * 1-5");

        // 2024-11-29 is a Friday.
        Assert.Equal(Time("2024-11-29T09:30:00Z"), schedule.Next(Time("2024-11-29T09:00:00Z")));
        Assert.Equal(Time("2024-12-02T09:30:00Z"), schedule.Next(Time("2024-11-29T09:30:00Z")));
        Assert.Equal(Time("2024-12-02T09:30:00Z"), schedule.Next(Time("2024-11-30T08:00:00Z")));
        Assert.Equal(DayOfWeek.Monday, schedule.Next(Time("2024-11-29T10:00:00Z")).DayOfWeek);
    }

    [Fact]
    public void Input_in_another_offset_is_compared_as_utc_and_the_answer_is_utc()
    {
        var next = CronSchedule.Parse("0 */5 * * * *").Next(DateTimeOffset.Parse("2024-11-30T16:41:00+02:00", CultureInfo.InvariantCulture));

        Assert.Equal(Time("2024-11-30T14:45:00Z"), next);
        Assert.Equal(TimeSpan.Zero, next.Offset);
    }

    [Theory]
    [InlineData("0 0 8-18/4 * * *", "08:00:00,12:00:00,16:00:00,08:00:00")]
    [InlineData("0 15,45 * * * *", "00:15:00,00:45:00,01:15:00,01:45:00")]
    [InlineData("5-20/5,50 * * * * *", "00:00:05,00:00:10,00:00:15,00:00:20,00:00:50,00:01:05")]
    [InlineData("10/20 * * * * *", "00:00:10,00:00:30,00:00:50,00:01:10")]
    [InlineData("0 0,30 9-10 * * *", "09:00:00,09:30:00,10:00:00,10:30:00,09:00:00")]
    public void Lists_ranges_and_steps_fire_at_exactly_the_listed_times(string expression, string expectedTimes)
    {
        var schedule = CronSchedule.Parse(expression);
        var t = Time("2024-01-01T00:00:00Z");

        foreach (var expected in expectedTimes.Split(','))
        {
            t = schedule.Next(t);
            Assert.Equal(TimeSpan.Parse(expected, CultureInfo.InvariantCulture), t.TimeOfDay);
        }
    }

    [Fact]
    public void Day_of_week_lists_pick_those_days_only()
    {
        var schedule = CronSchedule.Parse("0 0 12 * * 0,6");
        var t = Time("2024-11-25T00:00:00Z"); // a Monday

        var days = new List<DayOfWeek>();
        for (var i = 0; i < 4; i++)
        {
            t = schedule.Next(t);
            days.Add(t.DayOfWeek);
        }

        Assert.Equal([DayOfWeek.Saturday, DayOfWeek.Sunday, DayOfWeek.Saturday, DayOfWeek.Sunday], days);
        Assert.Equal(Time("2024-12-08T12:00:00Z"), t);
    }

    [Fact]
    public void Day_and_day_of_week_must_both_match()
    {
        // Friday the 13th: NCRONTAB requires both fields, unlike classic cron's either-or.
        Assert.Equal(Time("2024-09-13T00:00:00Z"), CronSchedule.Parse("0 0 0 13 * 5").Next(Time("2024-01-01T00:00:00Z")));
    }

    [Fact]
    public void A_schedule_that_can_never_fire_says_so()
    {
        var schedule = CronSchedule.Parse("0 0 0 30 2 *");

        var error = Assert.Throws<InvalidOperationException>(() => schedule.Next(Time("2024-01-01T00:00:00Z")));
        Assert.Contains("0 0 0 30 2 *", error.Message);
    }

    [Theory]
    [InlineData("0 */5 * * *", "6 fields")]
    [InlineData("0 0 */5 * * * *", "6 fields")]
    [InlineData("", "6 fields")]
    [InlineData("60 * * * * *", "second")]
    [InlineData("*/0 * * * * *", "second")]
    [InlineData("0 60 * * * *", "minute")]
    [InlineData("0 0 24 * * *", "hour")]
    [InlineData("0 0 10-5 * * *", "hour")]
    [InlineData("0 0 0 0 * *", "day")]
    [InlineData("0 0 0 32 * *", "day")]
    [InlineData("0 0 0 * 13 *", "month")]
    [InlineData("0 0 0 * JAN *", "month")]
    [InlineData("0 0 0 * * 7", "day-of-week")]
    [InlineData("0 0 0 * * MON", "day-of-week")]
    [InlineData("0 0 0 * * 1-", "day-of-week")]
    [InlineData("a * * * * *", "second")]
    [InlineData("-1 * * * * *", "second")]
    [InlineData("1,,2 * * * * *", "second")]
    [InlineData("0 */x * * * *", "minute")]
    public void Invalid_expressions_are_refused_naming_the_field(string expression, string named)
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_backwards_range_is_called_out_as_such()
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse("0 0 10-5 * * *"));

        Assert.Contains("backwards", error.Message);
    }

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
