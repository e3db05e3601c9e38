using FinGuard.Core.Freeze;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

/// <summary>Reading the <c>freeze-window</c> section strictly: every problem with its line and column.</summary>
public sealed class FreezeWindowParserTests
{
    /// <summary>The example of docs/freeze-windows.md.</summary>
    internal const string Example = """
        version: 1
        freeze-window:
          enabled: true
          windows:
            - name: Month-end close
              cron: { start: "0 18 L-1 * *", end: "0 9 2 * *" }
              time-zone: Europe/London
              branches: [$default]
              environments: [production]
            - name: Christmas freeze
              from: 2026-12-20T00:00:00
              to: 2027-01-04T09:00:00
              time-zone: America/New_York
            - name: Release day
              from: 2026-11-26T12:00:00Z
              to: 2026-11-26T18:00:00+01:00
          break-glass:
            label: emergency-change
            approver-teams: [octo-org/change-advisory-board]
            max-duration: 4h
        """;

    private static PolicyParseResult Parse(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        PolicyFileParser.Parse(yaml.ReplaceLineEndings("\n"), kind);

    private static FreezeWindowPolicy Resolved(string yaml) =>
        PolicyResolver.Resolve(null, Parse(yaml).Document).Policy.FreezeWindow;

    [Fact]
    public void The_documented_example_reads_every_setting_with_its_position()
    {
        var result = Parse(Example);

        Assert.Empty(result.Problems);
        var section = result.Document!.FreezeWindow!;
        Assert.Equal((2, 1), (section.Line, section.Column));
        Assert.Equal(new PolicySetting<bool>(true, 3, 3), section.Enabled);
        var windows = section.Windows!;
        Assert.Equal((4, 3), (windows.Line, windows.Column));
        Assert.Equal([(5, 7), (10, 7), (14, 7)], windows.Value.Select(w => (w.Line, w.Column)));

        var monthEnd = windows.Value[0].Value;
        Assert.Equal("Month-end close", monthEnd.Name);
        Assert.Equal(new FreezeCron("0 18 L-1 * *", "0 9 2 * *"), monthEnd.Cron);
        Assert.Equal("Europe/London", monthEnd.TimeZone);
        Assert.Equal<string>(["$default"], monthEnd.Branches!.Value);
        Assert.Equal<string>(["production"], monthEnd.Environments!.Value);
        Assert.Null(monthEnd.From);

        // Local times in New York: EST (-05:00) in December and January.
        var christmas = windows.Value[1].Value;
        Assert.Equal(new DateTimeOffset(2026, 12, 20, 5, 0, 0, TimeSpan.Zero), christmas.From);
        Assert.Equal(new DateTimeOffset(2027, 1, 4, 14, 0, 0, TimeSpan.Zero), christmas.To);
        Assert.Equal(TimeSpan.FromHours(-5), christmas.From!.Value.Offset);
        Assert.Null(christmas.Branches);
        Assert.Null(christmas.Environments);

        // Explicit offsets, no time zone.
        var releaseDay = windows.Value[2].Value;
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), releaseDay.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero), releaseDay.To);
        Assert.Null(releaseDay.TimeZone);

        var breakGlass = section.BreakGlass!;
        Assert.Equal((17, 3), (breakGlass.Line, breakGlass.Column));
        Assert.Equal(new PolicySetting<string>("emergency-change", 18, 5), breakGlass.Label);
        Assert.Equal<string>(["octo-org/change-advisory-board"], breakGlass.ApproverTeams.Value);
        Assert.Equal(new PolicySetting<TimeSpan>(TimeSpan.FromHours(4), 20, 5), breakGlass.MaxDuration);
    }

    [Fact]
    public void The_resolved_policy_is_recorded_in_evidence_json_and_reads_back()
    {
        var policy = PolicyResolver.Resolve(null, Parse(Example).Document).Policy;

        var json = PolicyJsonContext.ToElement(policy);
        var freeze = json.GetProperty("freezeWindow");
        Assert.Equal("Month-end close", freeze.GetProperty("windows")[0].GetProperty("name").GetString());
        Assert.Equal("0 18 L-1 * *", freeze.GetProperty("windows")[0].GetProperty("cron").GetProperty("start").GetString());
        Assert.Equal("04:00:00", freeze.GetProperty("breakGlass").GetProperty("maxDuration").GetString());

        var back = PolicyJsonContext.FromElement(json).FreezeWindow;
        Assert.Equal(policy.FreezeWindow.Windows.Select(w => (w.Name, w.Cron, w.From, w.To, w.TimeZone)), back.Windows.Select(w => (w.Name, w.Cron, w.From, w.To, w.TimeZone)));
        Assert.Equal(policy.FreezeWindow.BreakGlass!.Label, back.BreakGlass!.Label);
    }

    [Fact]
    public void Without_the_section_nothing_is_frozen()
    {
        var policy = PolicyResolver.Resolve(null, Parse("version: 1\n").Document).Policy;

        Assert.True(policy.FreezeWindow.Enabled);
        Assert.Empty(policy.FreezeWindow.Windows);
        Assert.Null(policy.FreezeWindow.BreakGlass);
    }

    [Theory]
    [InlineData("2026-12-24", 2026, 12, 24, 0, 0)]
    [InlineData("2026-12-24T17:30", 2026, 12, 24, 17, 30)]
    [InlineData("'2026-12-24 17:30:00'", 2026, 12, 24, 17, 30)]
    [InlineData("\"2026-07-01T09:00:00\"", 2026, 7, 1, 8, 0)] // BST
    public void Fixed_times_may_be_a_date_or_a_date_and_time_in_the_time_zone(string written, int year, int month, int day, int utcHour, int utcMinute)
    {
        var policy = Resolved($"version: 1\nfreeze-window:\n  windows:\n    - name: Holiday\n      from: {written}\n      to: 2027-12-31\n      time-zone: Europe/London\n");

        Assert.Equal(new DateTimeOffset(year, month, day, utcHour, utcMinute, 0, TimeSpan.Zero), Assert.Single(policy.Windows).From);
    }

    [Fact]
    public void A_local_time_that_occurs_twice_is_read_the_strict_way()
    {
        // 01:30 happens twice in London on 25 October 2026: from takes the first (00:30Z), to the second (01:30Z).
        var policy = Resolved("version: 1\nfreeze-window:\n  windows:\n    - name: A\n      from: 2026-10-25T01:30:00\n      to: 2027-01-01\n      time-zone: Europe/London\n    - name: B\n      from: 2026-10-01\n      to: 2026-10-25T01:30:00\n      time-zone: Europe/London\n");

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), policy.Windows[0].From);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero), policy.Windows[1].To);
    }

    [Fact]
    public void Break_glass_max_duration_defaults_to_four_hours_and_reads_minutes_and_days()
    {
        static TimeSpan MaxDuration(string line) =>
            Resolved($"version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [o/cab]\n{line}").BreakGlass!.MaxDuration;

        Assert.Equal(TimeSpan.FromHours(4), MaxDuration(""));
        Assert.Equal(TimeSpan.FromMinutes(30), MaxDuration("    max-duration: 30m\n"));
        Assert.Equal(TimeSpan.FromDays(7), MaxDuration("    max-duration: 7d\n"));
        Assert.Equal(TimeSpan.FromHours(168), MaxDuration("    max-duration: 168h\n"));
    }

    [Fact]
    public void An_empty_branch_list_freezes_deployments_only()
    {
        var policy = Resolved("version: 1\nfreeze-window:\n  windows:\n    - name: Prod only\n      cron: {start: '0 18 * * 5', end: '0 6 * * 1'}\n      time-zone: UTC\n      branches: []\n      environments: [production, Production-EU]\n");

        Assert.Empty(Assert.Single(policy.Windows).Branches!.Value);
        Assert.Equal<string>(["production", "Production-EU"], policy.Windows[0].Environments!.Value);
    }

    private const string Window = "version: 1\nfreeze-window:\n  windows:\n    - name: W\n";

    public static TheoryData<string, string, int, int, string> Errors => new()
    {
        {
            "an unknown key in a window", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n      time-zone: UTC\n      timezone: UTC\n",
            7, 7, "unknown key 'timezone' in freeze-window.windows[0] (did you mean 'time-zone'?)"
        },
        {
            "an unknown key in the section", "version: 1\nfreeze-window:\n  window: []\n",
            3, 3, "unknown key 'window' in freeze-window (did you mean 'windows'?)"
        },
        {
            "windows written as a mapping", "version: 1\nfreeze-window:\n  windows:\n    name: W\n",
            4, 5, "freeze-window.windows: expected a list of windows ('- name: …' entries), got a mapping"
        },
        {
            "a window written as text", "version: 1\nfreeze-window:\n  windows: [Christmas]\n",
            3, 13, "freeze-window.windows[0]: expected a window ('name: …' with cron or from/to), got 'Christmas'"
        },
        {
            "a window without a name", "version: 1\nfreeze-window:\n  windows:\n    - time-zone: UTC\n      from: 2026-12-20\n      to: 2026-12-27\n",
            4, 7, "freeze-window.windows[0].name: missing; every window needs a name, shown when it freezes a change"
        },
        {
            "an empty name", "version: 1\nfreeze-window:\n  windows:\n    - name: ''\n      from: 2026-12-20Z\n      to: 2026-12-27Z\n",
            4, 13, "freeze-window.windows[0].name: a window name is 1 to 100 characters of text on one line"
        },
        {
            "two windows with one name", Window + "      from: 2026-12-20Z\n      to: 2026-12-27Z\n    - name: w\n      from: 2027-12-20Z\n      to: 2027-12-27Z\n",
            7, 7, "freeze-window.windows[1].name: 'w' is already the name of another window (at 4:7); window names must be unique"
        },
        {
            "neither cron nor from/to", Window + "      time-zone: UTC\n",
            4, 7, "freeze-window.windows[0]: a window needs either 'cron: {start: …, end: …}' or 'from:' and 'to:'"
        },
        {
            "both cron and from", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n      from: 2026-12-20\n      time-zone: UTC\n",
            6, 7, "freeze-window.windows[0].from: a window has either a cron schedule or a from/to range, not both; make two windows"
        },
        {
            "a cron window without a time zone", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n",
            4, 7, "freeze-window.windows[0].time-zone: missing; a cron window needs the IANA time zone its times are in, e.g. Europe/London (UTC for UTC)"
        },
        {
            "a cron without an end", Window + "      cron: {start: '0 9 * * *'}\n      time-zone: UTC\n",
            5, 7, "freeze-window.windows[0].cron: end missing; write cron: {start: \"0 18 * * 5\", end: \"0 6 * * 1\"} (the window opens at each start and closes at the next end)"
        },
        {
            "a cron with six fields", Window + "      cron: {start: '0 0 9 * * *', end: '0 17 * * *'}\n      time-zone: UTC\n",
            5, 21, "freeze-window.windows[0].cron.start: '0 0 9 * * *' has 6 fields; write 5: minute hour day-of-month month day-of-week, e.g. \"0 18 L-1 * *\"; FinGuard schedules have no seconds field"
        },
        {
            "a cron Cronos refuses", Window + "      cron:\n        start: '0 25 * * *'\n        end: '0 17 * * *'\n      time-zone: UTC\n",
            6, 16, "freeze-window.windows[0].cron.start: '0 25 * * *' is not a cron expression FinGuard can read: The given cron expression has an invalid format. Hours: Value must be a number between 0 and 23 (all inclusive)."
        },
        {
            "a cron that never occurs", Window + "      cron: {start: '0 9 30 2 *', end: '0 17 * * *'}\n      time-zone: UTC\n",
            5, 21, "freeze-window.windows[0].cron.start: '0 9 30 2 *' never occurs (no such date); check the day and month"
        },
        {
            "the same start and end", Window + "      cron: {start: '0 9 * * *', end: '0 9 * * *'}\n      time-zone: UTC\n",
            5, 39, "freeze-window.windows[0].cron.end: is the same as start, so the window would never be open"
        },
        {
            "an unknown time zone", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n      time-zone: Europe/Lundon\n",
            6, 18, "freeze-window.windows[0].time-zone: 'Europe/Lundon' is not an IANA time zone this system knows (did you mean 'Europe/London'?); write a name such as Europe/London, America/New_York, Asia/Kolkata or UTC"
        },
        {
            "a time zone in the wrong case", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n      time-zone: europe/london\n",
            6, 18, "freeze-window.windows[0].time-zone: 'europe/london' is not an IANA time zone this system knows (did you mean 'Europe/London'?); write a name such as Europe/London, America/New_York, Asia/Kolkata or UTC"
        },
        {
            "a Windows time zone name", Window + "      cron: {start: '0 9 * * *', end: '0 17 * * *'}\n      time-zone: GMT Standard Time\n",
            6, 18, "freeze-window.windows[0].time-zone: 'GMT Standard Time' is not an IANA time zone this system knows (did you mean 'Europe/London'?); write a name such as Europe/London, America/New_York, Asia/Kolkata or UTC"
        },
        {
            "from after to", Window + "      from: 2027-01-04\n      to: 2026-12-20\n      time-zone: UTC\n",
            6, 11, "freeze-window.windows[0].to: '2026-12-20' is not after from ('2027-01-04'); a window must end after it starts"
        },
        {
            "from equal to to", Window + "      from: 2026-12-20T00:00:00Z\n      to: 2026-12-20T01:00:00+01:00\n",
            6, 11, "freeze-window.windows[0].to: '2026-12-20T01:00:00+01:00' is not after from ('2026-12-20T00:00:00Z'); a window must end after it starts"
        },
        {
            "from without to", Window + "      from: 2026-12-20\n      time-zone: UTC\n",
            4, 7, "freeze-window.windows[0].to: missing; a fixed window needs both from and to"
        },
        {
            "a local time without a time zone", Window + "      from: 2026-12-20T00:00:00\n      to: 2026-12-27T00:00:00Z\n",
            5, 13, "freeze-window.windows[0].from: '2026-12-20T00:00:00' has no time zone; add 'time-zone:' to the window (e.g. Europe/London), or write the offset (2026-12-20T18:00:00Z)"
        },
        {
            "an offset and a time zone", Window + "      from: 2026-12-20T00:00:00Z\n      to: 2026-12-27T00:00:00\n      time-zone: Europe/London\n",
            5, 13, "freeze-window.windows[0].from: '2026-12-20T00:00:00Z' has an offset, and the window has time-zone Europe/London; remove the offset to read it in Europe/London, or remove time-zone"
        },
        {
            "a local time the clocks skip", Window + "      from: 2026-03-29T01:30:00\n      to: 2026-04-01\n      time-zone: Europe/London\n",
            5, 13, "freeze-window.windows[0].from: '2026-03-29T01:30:00' does not exist in Europe/London: the clocks go forward over it; write a time after the change"
        },
        {
            "not a date", Window + "      from: next friday\n      to: 2026-04-01\n      time-zone: UTC\n",
            5, 13, "freeze-window.windows[0].from: 'next friday' is not a date-time; write 2026-12-20T18:00:00 (with time-zone) or 2026-12-20T18:00:00Z / 2026-12-20T18:00:00+01:00"
        },
        {
            "an impossible date", Window + "      from: 2026-02-30\n      to: 2026-04-01\n      time-zone: UTC\n",
            5, 13, "freeze-window.windows[0].from: '2026-02-30' is not a real date and time"
        },
        {
            "a branch pattern git forbids", Window + "      from: 2026-12-20Z\n      to: 2026-12-27Z\n      branches: ['release/*?']\n",
            7, 18, "freeze-window.windows[0].branches: 'release/*?' is not a branch name or pattern (only * and ** are wildcards; spaces, ~ ^ : ? [ \\ and '..' cannot appear in branch names)"
        },
        {
            "an environment listed twice", Window + "      from: 2026-12-20Z\n      to: 2026-12-27Z\n      environments: [production, Production]\n",
            7, 34, "freeze-window.windows[0].environments: 'Production' is listed twice (also at 7:22); keep one"
        },
        {
            "enforced in a repository file", "version: 1\nfreeze-window:\n  enforced: true\n",
            3, 3, "freeze-window.enforced: only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file"
        },
        {
            "break-glass without teams", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n",
            3, 3, "freeze-window.break-glass: approver-teams missing; break-glass needs the label that asks for it and the teams whose members may approve it"
        },
        {
            "break-glass with no teams", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: []\n",
            5, 21, "freeze-window.break-glass.approver-teams: cannot be empty: nobody could approve a break-glass change; remove break-glass to allow none"
        },
        {
            "a break-glass team without its organisation", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [cab]\n",
            5, 22, "freeze-window.break-glass.approver-teams: 'cab' must name its organisation too: write org/team-slug, e.g. octo-org/cab"
        },
        {
            "a label longer than GitHub allows", $"version: 1\nfreeze-window:\n  break-glass:\n    label: {new string('x', 51)}\n    approver-teams: [o/cab]\n",
            4, 12, "freeze-window.break-glass.label: a GitHub label is 1 to 50 characters"
        },
        {
            "a max-duration over 7 days", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [o/cab]\n    max-duration: 8d\n",
            6, 19, "freeze-window.break-glass.max-duration: must be more than 0 and at most 7d, got 8d"
        },
        {
            "a max-duration of zero", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [o/cab]\n    max-duration: 0h\n",
            6, 19, "freeze-window.break-glass.max-duration: must be more than 0 and at most 7d, got 0h"
        },
        {
            "a max-duration without a unit", "version: 1\nfreeze-window:\n  break-glass:\n    label: hotfix\n    approver-teams: [o/cab]\n    max-duration: 4\n",
            6, 19, "freeze-window.break-glass.max-duration: '4' is not a duration; write minutes, hours or days: 30m, 4h, 1d"
        },
        {
            "a label written as a list", "version: 1\nfreeze-window:\n  break-glass:\n    label: [hotfix]\n    approver-teams: [o/cab]\n",
            4, 12, "freeze-window.break-glass.label: expected text on one line, got a list"
        },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Problems_are_reported_at_their_line_and_column(string because, string yaml, int line, int column, string message)
    {
        var result = Parse(yaml);

        Assert.False(result.IsValid, because);
        Assert.Contains(new PolicyProblem(line, column, message), result.Problems);
    }

    [Fact]
    public void A_problem_in_one_window_refuses_the_whole_file()
    {
        var result = Parse(Example.Replace("Europe/London", "Europe/Lundon", StringComparison.Ordinal));

        Assert.Null(result.Document);
        Assert.Single(result.Problems);
    }

    [Fact]
    public void The_organisation_file_may_enforce_the_section()
    {
        var result = Parse("version: 1\nfreeze-window:\n  enforced: true\n", PolicyFileKind.Organisation);

        Assert.True(result.Document!.FreezeWindow!.IsEnforced);
    }
}
