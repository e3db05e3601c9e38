using System.Collections.Immutable;

namespace FinGuard.Core.Freeze;

/// <summary>
/// Settings of the <c>freeze-window</c> control (the <c>freeze-window</c> section of a policy file, resolved): the
/// periods in which changes are frozen and the break-glass procedure that lets an urgent change through.
/// The YAML reference is docs/freeze-windows.md.
/// </summary>
public sealed record FreezeWindowPolicy
{
    public bool Enabled { get; init; } = true;

    /// <summary>The freeze windows; none by default (nothing is frozen).</summary>
    public ImmutableArray<FreezeWindow> Windows { get; init; } = [];

    /// <summary>How a change gets through during a freeze; null: it cannot.</summary>
    public BreakGlassPolicy? BreakGlass { get; init; }
}

/// <summary>
/// One named freeze period: either recurring (<see cref="Cron"/>: open from each start occurrence to the next end
/// occurrence, in <see cref="TimeZone"/>) or fixed (<see cref="From"/> to <see cref="To"/>, absolute instants).
/// Exactly one of the two forms is set.
/// </summary>
public sealed record FreezeWindow
{
    public required string Name { get; init; }

    /// <summary>A recurring window; null for a fixed one.</summary>
    public FreezeCron? Cron { get; init; }

    /// <summary>Start of a fixed window (inclusive); null for a recurring one.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of a fixed window (exclusive); null for a recurring one.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// IANA time zone id (<c>Europe/London</c>) the cron expressions are read in and times are shown in; null only for
    /// a fixed window written with explicit offsets, which is shown in UTC.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>Base-branch patterns of the pull requests this window freezes; null: every branch the policy covers; empty: none.</summary>
    public ImmutableArray<string>? Branches { get; init; }

    /// <summary>Deployment environments this window freezes; null: every environment; empty: none.</summary>
    public ImmutableArray<string>? Environments { get; init; }
}

/// <summary>Two 5-field cron expressions (minute hour day-of-month month day-of-week), read by Cronos.</summary>
/// <param name="Start">When the window opens.</param>
/// <param name="End">When it closes: the first end occurrence at or after the opening.</param>
public sealed record FreezeCron(string Start, string End);

/// <summary>
/// The break-glass procedure: a pull request carrying <see cref="Label"/> and approved on its current head by a member
/// of one of <see cref="ApproverTeams"/> (not an author or committer of the change) passes the freeze for
/// <see cref="MaxDuration"/> after that approval.
/// </summary>
public sealed record BreakGlassPolicy
{
    /// <summary>Default of <see cref="MaxDuration"/>.</summary>
    public static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromHours(4);

    /// <summary>Longest <see cref="MaxDuration"/> a policy may set.</summary>
    public static readonly TimeSpan LongestMaxDuration = TimeSpan.FromDays(7);

    /// <summary>The pull request label that asks for break-glass (compared case-insensitively, as GitHub does).</summary>
    public required string Label { get; init; }

    /// <summary>Teams (<c>org/team-slug</c>) whose members may approve a break-glass change; never empty.</summary>
    public required ImmutableArray<string> ApproverTeams { get; init; }

    /// <summary>How long after the approving review the break-glass holds.</summary>
    public TimeSpan MaxDuration { get; init; } = DefaultMaxDuration;
}
