using FinGuard.Core.Freeze;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Core.Tests.Freeze;

/// <summary>
/// When windows are open, at explicit instants: DST changes (Europe/London, America/New_York), a zone without DST and
/// a half-hour offset (Asia/Kolkata), year ends, month ends (<c>L</c>), fixed ranges, overlaps.
/// </summary>
public sealed class FreezeCalendarTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    private static FreezeWindow Cron(string name, string start, string end, string zone) =>
        new() { Name = name, Cron = new FreezeCron(start, end), TimeZone = zone };

    private static FreezePeriod? Open(FreezeWindow window, DateTimeOffset at) =>
        FreezeCalendar.Create([window]).ActiveAt(at).SingleOrDefault();

    private static void AssertOpenFromTo(FreezeWindow window, DateTimeOffset opens, DateTimeOffset closes)
    {
        Assert.Null(Open(window, opens.AddTicks(-1)));
        var period = Open(window, opens);
        Assert.NotNull(period);
        Assert.Equal(opens, period.Start);
        Assert.Equal(closes, period.End);
        Assert.NotNull(Open(window, closes.AddTicks(-1)));
        Assert.Null(Open(window, closes));
    }

    [Fact]
    public void Month_end_close_with_L_minus_1_opens_on_the_second_to_last_day_and_closes_on_the_2nd()
    {
        var window = Cron("Month-end close", "0 18 L-1 * *", "0 9 2 * *", "Europe/London");

        // November 2026 has 30 days: opens on the 29th, 18:00 GMT.
        AssertOpenFromTo(window, Utc(2026, 11, 29, 18), Utc(2026, 12, 2, 9));

        // February 2027 has 28 days, February 2028 has 29.
        AssertOpenFromTo(window, Utc(2027, 2, 27, 18), Utc(2027, 3, 2, 9));
        AssertOpenFromTo(window, Utc(2028, 2, 28, 18), Utc(2028, 3, 2, 9));

        // In summer the local 18:00 is 17:00 UTC (BST): 30 June 2026 is the second-to-last day of June.
        AssertOpenFromTo(window, Utc(2026, 6, 29, 17), Utc(2026, 7, 2, 8));
    }

    [Fact]
    public void Month_end_close_spans_the_year_end()
    {
        var window = Cron("Month-end close", "0 18 L-1 * *", "0 9 2 * *", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 12, 30, 18), Utc(2027, 1, 2, 9));
        Assert.NotNull(Open(window, Utc(2026, 12, 31, 23, 59)));
        Assert.NotNull(Open(window, Utc(2027, 1, 1, 0, 0)));
    }

    [Fact]
    public void A_yearly_window_across_new_year_is_found_from_either_side()
    {
        var window = Cron("Year end", "0 18 24 12 *", "0 9 2 1 *", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 12, 24, 18), Utc(2027, 1, 2, 9));

        // From mid-year, the next period is the coming Christmas; the latest start (last Christmas) is 200 days back.
        var calendar = FreezeCalendar.Create([window]);
        Assert.Empty(calendar.ActiveAt(Utc(2026, 7, 1)));
        var next = Assert.Single(calendar.UpcomingAfter(Utc(2026, 7, 1)));
        Assert.Equal((Utc(2026, 12, 24, 18), Utc(2027, 1, 2, 9)), (next.Start, next.End!.Value));
    }

    [Fact]
    public void London_business_hours_follow_the_local_clock_across_the_March_change()
    {
        // Clocks go forward on Sunday 29 March 2026 at 01:00 UTC (GMT → BST).
        var window = Cron("Trading hours", "0 9 * * 1-5", "0 17 * * 1-5", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 3, 27, 9), Utc(2026, 3, 27, 17)); // Friday, GMT
        AssertOpenFromTo(window, Utc(2026, 3, 30, 8), Utc(2026, 3, 30, 16)); // Monday, BST
    }

    [Fact]
    public void London_weekend_freeze_spans_the_October_change()
    {
        // Clocks go back on Sunday 25 October 2026 at 01:00 UTC (BST → GMT): 18:00 BST on Friday, 06:00 GMT on Monday.
        var window = Cron("Weekend", "0 18 * * 5", "0 6 * * 1", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 10, 23, 17), Utc(2026, 10, 26, 6));
        var period = Open(window, Utc(2026, 10, 25, 1, 30))!;
        Assert.Equal("2026-10-26 06:00 Europe/London (06:00 UTC)", FreezeCalendar.Describe(period.End!.Value, "Europe/London"));
        Assert.Equal("2026-10-23 18:00 Europe/London (17:00 UTC)", FreezeCalendar.Describe(period.Start, "Europe/London"));
    }

    [Fact]
    public void A_start_inside_the_spring_gap_opens_when_the_gap_ends()
    {
        // 01:30 does not exist in London on 29 March 2026 (01:00 GMT is followed by 02:00 BST): Cronos fires at 02:00 BST.
        var window = Cron("Night batch", "30 1 * * *", "0 4 * * *", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 3, 29, 1), Utc(2026, 3, 29, 3));
        AssertOpenFromTo(window, Utc(2026, 3, 28, 1, 30), Utc(2026, 3, 28, 4)); // the day before, GMT
    }

    [Fact]
    public void A_start_inside_the_autumn_overlap_opens_once_at_its_first_instant()
    {
        // 01:30 happens twice in London on 25 October 2026 (BST, then GMT); the window opens at the first and stays open.
        var window = Cron("Night batch", "30 1 * * *", "0 3 * * *", "Europe/London");

        AssertOpenFromTo(window, Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 25, 3));
        Assert.Equal(Utc(2026, 10, 25, 0, 30), Open(window, Utc(2026, 10, 25, 1, 45))!.Start);
    }

    [Fact]
    public void New_York_weekend_freeze_across_both_changes()
    {
        var window = Cron("Weekend", "0 20 * * 5", "0 8 * * 1", "America/New_York");

        // 8 March 2026, 02:00 EST → 03:00 EDT: opens Friday 20:00 EST (01:00Z Sat), closes Monday 08:00 EDT (12:00Z).
        AssertOpenFromTo(window, Utc(2026, 3, 7, 1), Utc(2026, 3, 9, 12));

        // 1 November 2026, 02:00 EDT → 01:00 EST: opens Friday 20:00 EDT (00:00Z Sat), closes Monday 08:00 EST (13:00Z).
        AssertOpenFromTo(window, Utc(2026, 10, 31, 0), Utc(2026, 11, 2, 13));
        Assert.Equal("2026-11-02 08:00 America/New_York (13:00 UTC)", FreezeCalendar.Describe(Utc(2026, 11, 2, 13), "America/New_York"));
        Assert.Equal("2026-10-30 20:00 America/New_York (2026-10-31 00:00 UTC)", FreezeCalendar.Describe(Utc(2026, 10, 31, 0), "America/New_York"));
    }

    [Fact]
    public void Kolkata_has_a_half_hour_offset_and_no_DST()
    {
        var window = Cron("Quarter end", "0 18 L 3,6,9,12 *", "0 10 1 * *", "Asia/Kolkata");

        // 31 March 18:00 IST is 12:30Z; 1 April 10:00 IST is 04:30Z — the same offset all year.
        AssertOpenFromTo(window, new DateTimeOffset(2026, 3, 31, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 4, 1, 4, 30, 0, TimeSpan.Zero));
        AssertOpenFromTo(window, new DateTimeOffset(2026, 12, 31, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 4, 30, 0, TimeSpan.Zero));
        Assert.Equal("2027-01-01 10:00 Asia/Kolkata (04:30 UTC)", FreezeCalendar.Describe(new DateTimeOffset(2027, 1, 1, 4, 30, 0, TimeSpan.Zero), "Asia/Kolkata"));
        Assert.Equal("2026-03-31 18:00 Asia/Kolkata (12:30 UTC)", FreezeCalendar.Describe(new DateTimeOffset(2026, 3, 31, 12, 30, 0, TimeSpan.Zero), "Asia/Kolkata"));
    }

    [Fact]
    public void A_fixed_range_is_open_from_its_start_up_to_but_not_at_its_end()
    {
        var window = new FreezeWindow
        {
            Name = "Christmas freeze",
            From = new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.FromHours(-5)),
            To = new DateTimeOffset(2027, 1, 4, 9, 0, 0, TimeSpan.FromHours(-5)),
            TimeZone = "America/New_York",
        };

        AssertOpenFromTo(window, Utc(2026, 12, 20, 5), Utc(2027, 1, 4, 14));
        Assert.Equal("2027-01-04 09:00 America/New_York (14:00 UTC)", FreezeCalendar.Describe(Utc(2027, 1, 4, 14), window.TimeZone));
    }

    [Fact]
    public void A_fixed_range_without_a_time_zone_is_shown_in_UTC()
    {
        Assert.Equal("2027-01-04 08:00 UTC", FreezeCalendar.Describe(new DateTimeOffset(2027, 1, 4, 9, 0, 0, TimeSpan.FromHours(1)), null));
        Assert.Equal("2027-01-04 08:00 UTC", FreezeCalendar.Describe(Utc(2027, 1, 4, 8), "UTC"));
    }

    [Fact]
    public void Overlapping_windows_are_all_open_and_listed_closing_first_first()
    {
        var christmas = new FreezeWindow { Name = "Christmas freeze", From = Utc(2026, 12, 20), To = Utc(2027, 1, 4, 9), TimeZone = "Europe/London" };
        var monthEnd = Cron("Month-end close", "0 18 L-1 * *", "0 9 2 * *", "Europe/London");
        var calendar = FreezeCalendar.Create([christmas, monthEnd]);

        var open = calendar.ActiveAt(Utc(2027, 1, 1, 12));

        Assert.Equal(["Month-end close", "Christmas freeze"], open.Select(p => p.Window.Name));
        Assert.Equal([Utc(2027, 1, 2, 9), Utc(2027, 1, 4, 9)], open.Select(p => p.End!.Value));
        Assert.Equal(["Christmas freeze"], calendar.ActiveAt(Utc(2027, 1, 3)).Select(p => p.Window.Name));
        Assert.Equal(["Month-end close"], calendar.UpcomingAfter(Utc(2027, 1, 3)).Select(p => p.Window.Name));
    }

    [Fact]
    public void A_start_and_an_end_at_the_same_instant_leave_the_window_closed()
    {
        // Mondays 09:00 both open (every 1st of the month) and close (every Monday): on Monday 1 June 2026 nothing opens.
        var window = Cron("Odd", "0 9 1 * *", "0 9 * * 1", "UTC");
        var calendar = FreezeCalendar.Create([window]);

        Assert.Empty(calendar.ActiveAt(Utc(2026, 6, 1, 9)));
        Assert.Empty(calendar.ActiveAt(Utc(2026, 6, 1, 12)));
        Assert.NotNull(Open(window, Utc(2026, 7, 1, 9))); // Wednesday
        var next = Assert.Single(calendar.UpcomingAfter(Utc(2026, 5, 31)));
        Assert.Equal(Utc(2026, 7, 1, 9), next.Start); // 1 June is skipped
        Assert.Equal(Utc(2026, 7, 6, 9), next.End);
    }

    [Fact]
    public void Several_starts_before_an_end_keep_one_period_open_since_the_first()
    {
        var window = Cron("Daily until Friday", "0 8 * * *", "0 17 * * 5", "UTC");

        var period = Open(window, Utc(2026, 6, 4, 12))!; // Thursday
        Assert.Equal(Utc(2026, 6, 5, 17), period.End);
        Assert.Equal(Utc(2026, 5, 30, 8), period.Start); // the Saturday after the previous Friday's end
    }

    [Fact]
    public void Edges_between_two_instants_name_each_opening_and_closing()
    {
        var calendar = FreezeCalendar.Create([
            Cron("Month-end close", "0 18 L-1 * *", "0 9 2 * *", "Europe/London"),
            new FreezeWindow { Name = "Christmas freeze", From = Utc(2026, 12, 20), To = Utc(2027, 1, 4, 9), TimeZone = "Europe/London" },
        ]);

        Assert.Empty(calendar.EdgesBetween(Utc(2026, 11, 29, 17, 58), Utc(2026, 11, 29, 17, 59)));
        var opening = Assert.Single(calendar.EdgesBetween(Utc(2026, 11, 29, 17, 59), Utc(2026, 11, 29, 18, 0)));
        Assert.Equal(("Month-end close", Utc(2026, 11, 29, 18), true), (opening.Window.Name, opening.At, opening.Opens));
        Assert.Empty(calendar.EdgesBetween(Utc(2026, 11, 29, 18, 0), Utc(2026, 11, 29, 18, 1)));

        var december = calendar.EdgesBetween(Utc(2026, 12, 1), Utc(2027, 1, 5));
        Assert.Equal(
            [("Month-end close", false), ("Christmas freeze", true), ("Month-end close", true), ("Christmas freeze", false)],
            december.Select(e => (e.Window.Name, e.Opens)));
    }

    [Fact]
    public void Windows_that_cannot_be_computed_are_reported_and_left_out()
    {
        var calendar = FreezeCalendar.Create([
            Cron("Bad zone", "0 9 * * *", "0 17 * * *", "Mars/Olympus_Mons"),
            Cron("Bad cron", "0 25 * * *", "0 17 * * *", "UTC"),
            new FreezeWindow { Name = "Backwards", From = Utc(2026, 2, 1), To = Utc(2026, 1, 1) },
            new FreezeWindow { Name = "Both", Cron = new FreezeCron("0 9 * * *", "0 17 * * *"), From = Utc(2026, 1, 1), To = Utc(2026, 2, 1), TimeZone = "UTC" },
        ]);

        Assert.Equal(["Bad zone", "Bad cron", "Backwards", "Both"], calendar.Problems.Select(p => p.Window.Name));
        Assert.Equal("unknown time zone 'Mars/Olympus_Mons'", calendar.Problems[0].Message);
        Assert.StartsWith("start '0 25 * * *': ", calendar.Problems[1].Message, StringComparison.Ordinal);
        Assert.Empty(calendar.ActiveAt(Utc(2026, 1, 15, 12)));
    }

    /// <summary>
    /// An independent statement of the rule: sweep every start and end occurrence of a long stretch in time order and
    /// record the open intervals; every 20 minutes across DST changes, the calendar must agree.
    /// </summary>
    [Theory]
    [InlineData("0 9 * * 1-5", "0 17 * * 1-5", "Europe/London")]
    [InlineData("30 1 * * *", "15 2 * * *", "Europe/London")]
    [InlineData("0 2 * * 0", "0 3 * * 0", "America/New_York")]
    [InlineData("*/40 1-2 * * *", "10 3 * * *", "America/New_York")]
    [InlineData("0 18 L-1 * *", "0 9 2 * *", "Asia/Kolkata")]
    [InlineData("0 22 * * 5", "0 5 * * 1", "Europe/London")]
    public void Agrees_with_a_sweep_over_all_occurrences(string start, string end, string zoneId)
    {
        var window = Cron("w", start, end, zoneId);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var startExpression = Cronos.CronExpression.Parse(start);
        var endExpression = Cronos.CronExpression.Parse(end);
        var sweepFrom = Utc(2025, 12, 1);
        var sweepTo = Utc(2027, 2, 1);
        var events = startExpression.GetOccurrences(sweepFrom, sweepTo, zone).Select(t => (At: t, Start: true))
            .Concat(endExpression.GetOccurrences(sweepFrom, sweepTo, zone).Select(t => (At: t, Start: false)))
            .GroupBy(e => e.At)
            .OrderBy(g => g.Key)
            .ToList();

        // Open after an instant with a start and no end; closed after an instant with an end.
        var intervals = new List<(DateTimeOffset Open, DateTimeOffset Close)>();
        DateTimeOffset? openedAt = null;
        foreach (var instant in events)
        {
            var hasEnd = instant.Any(e => !e.Start);
            if (hasEnd && openedAt is { } o)
            {
                intervals.Add((o, instant.Key));
                openedAt = null;
            }
            else if (!hasEnd && openedAt is null)
            {
                openedAt = instant.Key;
            }
        }

        var calendar = FreezeCalendar.Create([window]);
        var time = new FakeTimeProvider(Utc(2026, 1, 1));
        while (time.GetUtcNow() < Utc(2026, 12, 31))
        {
            var now = time.GetUtcNow();
            var expected = intervals.Where(i => i.Open <= now && now < i.Close).Select(i => ((DateTimeOffset?)i.Open, (DateTimeOffset?)i.Close)).SingleOrDefault();
            var actual = calendar.ActiveAt(now).Select(p => ((DateTimeOffset?)p.Start, p.End)).SingleOrDefault();
            Assert.True(expected == actual, $"{start} → {end} in {zoneId} at {now:O}: expected {expected}, got {actual}");
            time.Advance(TimeSpan.FromMinutes(20));
        }
    }

    [Fact]
    public void A_fake_clock_walking_through_the_London_spring_change_sees_the_window_open_and_close_on_the_local_clock()
    {
        var calendar = FreezeCalendar.Create([Cron("Sunday release freeze", "0 0 * * 0", "0 6 * * 0", "Europe/London")]);
        var time = new FakeTimeProvider(Utc(2026, 3, 28, 23));
        var changes = new List<(DateTimeOffset At, bool Open)>();
        var wasOpen = false;
        for (var i = 0; i < 12 * 60; i++)
        {
            var open = calendar.ActiveAt(time.GetUtcNow()).Length > 0;
            if (open != wasOpen)
            {
                changes.Add((time.GetUtcNow(), open));
                wasOpen = open;
            }

            time.Advance(TimeSpan.FromMinutes(1));
        }

        // Midnight GMT is 00:00Z; 06:00 BST (after the 01:00Z change) is 05:00Z: five hours, not six.
        Assert.Equal([(Utc(2026, 3, 29, 0), true), (Utc(2026, 3, 29, 5), false)], changes);
    }
}
