using System.Collections.Immutable;
using System.Globalization;
using Cronos;

namespace FinGuard.Core.Freeze;

/// <summary>One stretch of time in which a freeze window is open.</summary>
/// <param name="Window">The window.</param>
/// <param name="Start">When it opened (or opens).</param>
/// <param name="End">When it closes (exclusive); null when its end expression never occurs again.</param>
public sealed record FreezePeriod(FreezeWindow Window, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>A moment a window opens or closes.</summary>
public sealed record FreezeEdge(FreezeWindow Window, DateTimeOffset At, bool Opens);

/// <summary>A window FreezeCalendar cannot compute (an unknown time zone, a cron expression Cronos refuses).</summary>
public sealed record FreezeWindowProblem(FreezeWindow Window, string Message);

/// <summary>
/// When freeze windows are open. Pure: every answer is a function of the windows and the instant asked about.
/// <list type="bullet">
/// <item>A fixed window is open from <see cref="FreezeWindow.From"/> (inclusive) to <see cref="FreezeWindow.To"/> (exclusive).</item>
/// <item>A cron window is open at <c>t</c> when the latest start occurrence at or before <c>t</c> is later than the
/// latest end occurrence at or before <c>t</c>: it opens at a start occurrence and closes at the next end occurrence.
/// A start and an end at the same instant leave it closed. Occurrences are computed by Cronos in the window's
/// time zone, so "09:00" is 09:00 on the local clock in winter and in summer; a local time that does not exist
/// (clocks go forward) occurs when the gap ends, and one that occurs twice (clocks go back) occurs once, at its first
/// instant.</item>
/// </list>
/// Windows that cannot be computed are listed in <see cref="Problems"/> and left out of every answer; callers must
/// fail closed on them.
/// </summary>
public sealed class FreezeCalendar
{
    /// <summary>
    /// How far back a cron window's latest start and end are looked for. A start schedule must occur at least once in
    /// this time (a yearly one does) for its window to be seen open.
    /// </summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(400);

    private static readonly TimeSpan[] LookBackSteps = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(35), LookBack];

    /// <summary>Most start occurrences skipped while looking for the next one that really opens the window.</summary>
    private const int MaxEmptyOccurrences = 1000;

    private readonly ImmutableArray<Compiled> windows;

    private FreezeCalendar(ImmutableArray<Compiled> windows, ImmutableArray<FreezeWindowProblem> problems)
    {
        this.windows = windows;
        Problems = problems;
    }

    /// <summary>Windows that could not be computed (and are ignored by every other member).</summary>
    public ImmutableArray<FreezeWindowProblem> Problems { get; }

    public static FreezeCalendar Create(IEnumerable<FreezeWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var compiled = ImmutableArray.CreateBuilder<Compiled>();
        var problems = ImmutableArray.CreateBuilder<FreezeWindowProblem>();
        foreach (var window in windows)
        {
            if (Compile(window, out var result) is { } problem)
            {
                problems.Add(new FreezeWindowProblem(window, problem));
            }
            else
            {
                compiled.Add(result!);
            }
        }

        return new FreezeCalendar(compiled.ToImmutable(), problems.ToImmutable());
    }

    /// <summary>The windows open at <paramref name="instant"/>, the one closing first first (never-closing last).</summary>
    public ImmutableArray<FreezePeriod> ActiveAt(DateTimeOffset instant) =>
        [.. windows.Select(w => w.PeriodAt(instant)).OfType<FreezePeriod>()
            .OrderBy(p => p.End ?? DateTimeOffset.MaxValue).ThenBy(p => p.Window.Name, StringComparer.Ordinal)];

    /// <summary>For each window not open at <paramref name="instant"/>, its next period, soonest first; windows that never open again are left out.</summary>
    public ImmutableArray<FreezePeriod> UpcomingAfter(DateTimeOffset instant) =>
        [.. windows.Where(w => w.PeriodAt(instant) is null).Select(w => w.NextAfter(instant)).OfType<FreezePeriod>()
            .OrderBy(p => p.Start).ThenBy(p => p.Window.Name, StringComparer.Ordinal)];

    /// <summary>
    /// For each window, the first moment in (<paramref name="after"/>, <paramref name="until"/>] at which it opens, and the
    /// first at which it closes, in time order. For cron windows an end occurrence counts even when the window was not
    /// open (asking again then is harmless).
    /// </summary>
    public ImmutableArray<FreezeEdge> EdgesBetween(DateTimeOffset after, DateTimeOffset until)
    {
        if (until <= after)
        {
            return [];
        }

        var edges = new List<FreezeEdge>();
        foreach (var window in windows)
        {
            if (window.FirstStartAfter(after) is { } opens && opens <= until)
            {
                edges.Add(new FreezeEdge(window.Window, opens, true));
            }

            if (window.FirstEndAfter(after) is { } closes && closes <= until)
            {
                edges.Add(new FreezeEdge(window.Window, closes, false));
            }
        }

        return [.. edges.OrderBy(e => e.At).ThenBy(e => e.Window.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// "2026-12-02 09:00 Europe/London (09:00 UTC)": the instant on the window's local clock, then in UTC (with the
    /// date when it differs). Without a time zone, or in UTC itself, only the UTC form.
    /// </summary>
    public static string Describe(DateTimeOffset instant, string? timeZone)
    {
        var utc = instant.ToUniversalTime();
        var utcText = utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
        if (timeZone is null or "UTC" or "Etc/UTC" || FindZone(timeZone) is not { } zone)
        {
            return utcText;
        }

        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var utcPart = local.Date == utc.Date
            ? utc.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC"
            : utcText;
        return $"{local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {timeZone} ({utcPart})";
    }

    /// <summary>The time zone with IANA id <paramref name="id"/>, or null when the system does not know it.</summary>
    public static TimeZoneInfo? FindZone(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Parses a 5-field cron expression as FreezeCalendar reads it; null and the reason when Cronos refuses it.</summary>
    public static CronExpression? ParseCron(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        try
        {
            return CronExpression.Parse(text, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            problem = ex.Message;
        }
        catch (MissingSeedException)
        {
            problem = "'H' (hashed) fields are not supported; write the minute and hour";
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
        }

        return null;
    }

    private static string? Compile(FreezeWindow window, out Compiled? compiled)
    {
        compiled = null;
        switch (window)
        {
            case { Cron: { } cron, From: null, To: null }:
            {
                if (window.TimeZone is not { } id || FindZone(id) is not { } zone)
                {
                    return window.TimeZone is null ? "a cron window needs a time zone" : $"unknown time zone '{window.TimeZone}'";
                }

                var start = ParseCron(cron.Start, out var startProblem);
                var end = ParseCron(cron.End, out var endProblem);
                if (start is null || end is null)
                {
                    return start is null ? $"start '{cron.Start}': {startProblem}" : $"end '{cron.End}': {endProblem}";
                }

                compiled = new CronWindow(window, start, end, zone);
                return null;
            }

            case { Cron: null, From: { } from, To: { } to }:
                if (from >= to)
                {
                    return $"starts ({from:O}) at or after it ends ({to:O})";
                }

                if (window.TimeZone is { } fixedZone && FindZone(fixedZone) is null)
                {
                    return $"unknown time zone '{fixedZone}'";
                }

                compiled = new FixedWindow(window, from, to);
                return null;

            default:
                return "a window has either a cron schedule or a from/to range, not both or neither";
        }
    }

    private abstract class Compiled(FreezeWindow window)
    {
        public FreezeWindow Window { get; } = window;

        /// <summary>The period open at <paramref name="instant"/>, or null when the window is closed then.</summary>
        public abstract FreezePeriod? PeriodAt(DateTimeOffset instant);

        /// <summary>The next period that opens after <paramref name="instant"/>.</summary>
        public abstract FreezePeriod? NextAfter(DateTimeOffset instant);

        public abstract DateTimeOffset? FirstStartAfter(DateTimeOffset instant);

        public abstract DateTimeOffset? FirstEndAfter(DateTimeOffset instant);
    }

    private sealed class FixedWindow(FreezeWindow window, DateTimeOffset from, DateTimeOffset to) : Compiled(window)
    {
        public override FreezePeriod? PeriodAt(DateTimeOffset instant) =>
            from <= instant && instant < to ? new FreezePeriod(Window, from, to) : null;

        public override FreezePeriod? NextAfter(DateTimeOffset instant) =>
            from > instant ? new FreezePeriod(Window, from, to) : null;

        public override DateTimeOffset? FirstStartAfter(DateTimeOffset instant) => from > instant ? from : null;

        public override DateTimeOffset? FirstEndAfter(DateTimeOffset instant) => to > instant ? to : null;
    }

    private sealed class CronWindow(FreezeWindow window, CronExpression start, CronExpression end, TimeZoneInfo zone) : Compiled(window)
    {
        public override FreezePeriod? PeriodAt(DateTimeOffset instant)
        {
            // Open when the latest start at or before the instant is later than the latest end at or before it.
            if (LastAtOrBefore(start, instant) is not { } lastStart)
            {
                return null;
            }

            var lastEnd = LastAtOrBefore(end, instant);
            if (lastEnd is { } closed && closed >= lastStart)
            {
                return null;
            }

            // It opened at the first start after the last end (several starts may have occurred since).
            var opened = lastEnd is { } previousEnd ? start.GetNextOccurrence(previousEnd, zone, inclusive: false) ?? lastStart : lastStart;
            return new FreezePeriod(Window, opened, end.GetNextOccurrence(instant, zone, inclusive: false));
        }

        public override FreezePeriod? NextAfter(DateTimeOffset instant)
        {
            var candidate = start.GetNextOccurrence(instant, zone, inclusive: false);
            for (var i = 0; i < MaxEmptyOccurrences && candidate is { } opens; i++)
            {
                // A start at the same instant as an end does not open the window.
                var closes = end.GetNextOccurrence(opens, zone, inclusive: true);
                if (closes != opens)
                {
                    return new FreezePeriod(Window, opens, closes);
                }

                candidate = start.GetNextOccurrence(opens, zone, inclusive: false);
            }

            return null;
        }

        public override DateTimeOffset? FirstStartAfter(DateTimeOffset instant) => start.GetNextOccurrence(instant, zone, inclusive: false);

        /// <summary>
        /// The latest occurrence at or before <paramref name="instant"/> within <see cref="LookBack"/>, found by
        /// enumerating forwards over growing stretches of the past (the last hour, day, 35 days, then the rest), so a
        /// frequent schedule is answered from the last hour and a rare one enumerates few occurrences. Forwards
        /// because Cronos 0.13's <c>GetPreviousOccurrence</c> does not agree with its forward enumeration around a
        /// clocks-go-forward gap.
        /// </summary>
        private DateTimeOffset? LastAtOrBefore(CronExpression expression, DateTimeOffset instant)
        {
            var upper = instant;
            var upperInclusive = true;
            foreach (var back in LookBackSteps)
            {
                var lower = instant - back;
                DateTimeOffset? last = null;
                foreach (var occurrence in expression.GetOccurrences(lower, upper, zone, fromInclusive: true, toInclusive: upperInclusive))
                {
                    last = occurrence;
                }

                if (last is not null)
                {
                    return last;
                }

                upper = lower;
                upperInclusive = false;
            }

            return null;
        }

        public override DateTimeOffset? FirstEndAfter(DateTimeOffset instant) => end.GetNextOccurrence(instant, zone, inclusive: false);
    }
}
