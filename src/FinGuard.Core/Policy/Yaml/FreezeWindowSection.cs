using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using FinGuard.Core.Freeze;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The <c>freeze-window</c> section of a policy file (<see cref="FreezeWindowPolicy"/> once resolved): named windows,
/// each a cron schedule or a fixed range in a time zone, and the break-glass procedure.
/// Under an enforced organisation section a repository may only strengthen it: <c>enabled</c> stays on, the
/// organisation's windows always apply and the repository's are added to them (a repository window with the name of an
/// organisation window does not replace it), and <c>break-glass</c> cannot be added, relabelled, opened to other teams
/// or lengthened.
/// </summary>
public sealed partial record FreezeWindowSection : PolicySection
{
    public const string Key = "freeze-window";

    public const string BreakGlassKey = "break-glass";

    /// <summary>Longest window name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>GitHub's longest label name.</summary>
    public const int MaxLabelLength = 50;

    /// <summary>GitHub's longest environment name.</summary>
    public const int MaxEnvironmentLength = 255;

    /// <summary>A reference instant from which every cron expression must occur at least once (leap days included).</summary>
    private static readonly DateTimeOffset CronCheckFrom = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The IANA ids this system knows, for "did you mean …?".</summary>
    private static readonly Lazy<IReadOnlyList<string>> KnownZoneIds = new(() =>
        [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(i => TimeZoneInfo.TryConvertIanaIdToWindowsId(i, out _)).Append("UTC").Distinct(StringComparer.Ordinal)]);

    public PolicySetting<bool>? Enabled { get; init; }

    /// <summary><c>windows</c>: each window with the position of its list entry.</summary>
    public PolicySetting<ImmutableArray<PolicySetting<FreezeWindow>>>? Windows { get; init; }

    /// <summary><c>break-glass</c>.</summary>
    public BreakGlassSection? BreakGlass { get; init; }

    internal static FreezeWindowSection Read(PolicyMappingReader reader, PolicyFileKind kind) => new()
    {
        Line = reader.Line,
        Column = reader.Column,
        Enabled = reader.Boolean("enabled"),
        Enforced = ReadEnforced(reader, kind),
        Windows = ReadWindows(reader),
        BreakGlass = reader.Section(BreakGlassKey, r => new Holder<BreakGlassSection>(BreakGlassSection.Read(r)))?.Value,
    };

    internal static FreezeWindowPolicy Resolve(
        FreezeWindowPolicy defaults, FreezeWindowSection? organisation, FreezeWindowSection? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.Resolve(Key, defaults, organisation, repository, problems, Apply, (policy, repository, merge) =>
            policy with
            {
                Enabled = merge.Flag("enabled", policy.Enabled, repository.Enabled, stronger: true),
                Windows = MergeWindows(policy.Windows, repository.Windows, problems),
                BreakGlass = MergeBreakGlass(policy.BreakGlass, repository.BreakGlass, merge, problems),
            });

    /// <summary>Every setting the section sets replaces the current value (the whole window list, the whole break-glass).</summary>
    private static FreezeWindowPolicy Apply(FreezeWindowPolicy policy, FreezeWindowSection? section) => section is null
        ? policy
        : policy with
        {
            Enabled = section.Enabled?.Value ?? policy.Enabled,
            Windows = section.Windows is { } windows ? [.. windows.Value.Select(w => w.Value)] : policy.Windows,
            BreakGlass = section.BreakGlass?.ToPolicy() ?? policy.BreakGlass,
        };

    /// <summary>The organisation's windows, then the repository's; a same-named repository window is added, not substituted.</summary>
    private static ImmutableArray<FreezeWindow> MergeWindows(
        ImmutableArray<FreezeWindow> enforced, PolicySetting<ImmutableArray<PolicySetting<FreezeWindow>>>? repository, List<PolicyProblem> problems) =>
        EnforcedMerge.AddNamed(
            enforced,
            repository,
            w => w.Name,
            SameWindow,
            name => $"{Key}.windows: '{name}' is a window of the organisation's enforced {Key}; a repository cannot replace or shorten it, so both apply (give the repository's window another name)",
            problems);

    private static BreakGlassPolicy? MergeBreakGlass(BreakGlassPolicy? enforced, BreakGlassSection? repository, EnforcedMerge merge, List<PolicyProblem> problems)
    {
        if (repository is null)
        {
            return enforced;
        }

        if (enforced is null)
        {
            problems.Add(new PolicyProblem(
                repository.Line,
                repository.Column,
                $"{Key}.break-glass: the organisation's enforced {Key} has no break-glass procedure, and a repository cannot add one; ignored"));
            return null;
        }

        var label = enforced.Label;
        if (!string.Equals(repository.Label.Value, enforced.Label, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new PolicyProblem(
                repository.Label.Line,
                repository.Label.Column,
                $"{Key}.break-glass.label: '{repository.Label.Value}' differs from the organisation's enforced '{enforced.Label}'; using '{enforced.Label}'"));
        }

        var maxDuration = merge.AtMost("break-glass.max-duration", enforced.MaxDuration, repository.MaxDuration, FreezeWindowControl.Duration, "longer");
        return enforced with
        {
            Label = label,
            ApproverTeams = merge.Subset("break-glass.approver-teams", enforced.ApproverTeams, repository.ApproverTeams, anyone: "team"),
            MaxDuration = maxDuration,
        };
    }

    private static bool SameWindow(FreezeWindow a, FreezeWindow b) =>
        a.Name == b.Name && a.Cron == b.Cron && a.From == b.From && a.To == b.To && a.TimeZone == b.TimeZone
        && SameList(a.Branches, b.Branches, StringComparer.Ordinal) && SameList(a.Environments, b.Environments, StringComparer.OrdinalIgnoreCase);

    private static bool SameList(ImmutableArray<string>? a, ImmutableArray<string>? b, StringComparer comparer) =>
        (a, b) switch
        {
            (null, null) => true,
            ({ } x, { } y) => x.Length == y.Length && x.Order(comparer).SequenceEqual(y.Order(comparer), comparer),
            _ => false,
        };

    private static PolicySetting<ImmutableArray<PolicySetting<FreezeWindow>>>? ReadWindows(PolicyMappingReader reader)
    {
        const string key = "windows";
        if (reader.Find(key) is not { } entry || entry.Value is ReportedNode)
        {
            return null;
        }

        var path = reader.PathOf(key);
        if (entry.Value is not SequenceNode sequence)
        {
            var hint = entry.Value is ScalarNode { IsNull: true } ? "; write [] for no windows" : string.Empty;
            reader.Report(entry.Value.Line, entry.Value.Column, path, $"expected a list of windows ('- name: …' entries), got {entry.Value.Description}{hint}");
            return null;
        }

        var valid = true;
        var windows = ImmutableArray.CreateBuilder<PolicySetting<FreezeWindow>>();
        var names = new List<(string Name, int Line, int Column)>();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            var itemPath = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (item is ReportedNode)
            {
                valid = false;
                continue;
            }

            if (item is not MappingNode mapping)
            {
                reader.Report(item.Line, item.Column, itemPath, $"expected a window ('name: …' with cron or from/to), got {item.Description}");
                valid = false;
                continue;
            }

            var window = WindowReader.Read(reader.Nested(mapping, itemPath), mapping, itemPath);
            if (window.Name is { } name)
            {
                var first = names.FindIndex(n => string.Equals(n.Name, name.Value, StringComparison.OrdinalIgnoreCase));
                if (first >= 0)
                {
                    reader.Report(name.Line, name.Column, $"{itemPath}.name", $"'{name.Value}' is already the name of another window (at {names[first].Line}:{names[first].Column}); window names must be unique");
                    valid = false;
                    continue;
                }

                names.Add((name.Value, name.Line, name.Column));
            }

            if (window.Window is { } read)
            {
                windows.Add(new PolicySetting<FreezeWindow>(read, mapping.Line, mapping.Column));
            }
            else
            {
                valid = false;
            }
        }

        return valid ? new PolicySetting<ImmutableArray<PolicySetting<FreezeWindow>>>(windows.ToImmutable(), entry.Key.Line, entry.Key.Column) : null;
    }

    /// <summary>Reads one entry of <c>windows</c>.</summary>
    private static class WindowReader
    {
        /// <summary>The window (null when it has problems) and its name with the name's position, for the uniqueness check.</summary>
        public static (FreezeWindow? Window, PolicySetting<string>? Name) Read(PolicyMappingReader reader, MappingNode mapping, string path)
        {
            var nameInvalid = false;
            var name = Text(reader, "name", out var nameNode);
            if (name is not null && (name.Value.Trim().Length == 0 || name.Value.Length > MaxNameLength || name.Value.Any(char.IsControl)))
            {
                reader.Report(nameNode!.Line, nameNode.Column, reader.PathOf("name"), $"a window name is 1 to {MaxNameLength} characters of text on one line");
                nameInvalid = true;
                name = null;
            }
            else if (name is null && reader.Find("name") is null)
            {
                reader.Report(mapping.Line, mapping.Column, reader.PathOf("name"), "missing; every window needs a name, shown when it freezes a change");
                nameInvalid = true;
            }

            var zoneText = Text(reader, "time-zone", out var zoneNode);
            var zone = zoneText is null ? null : CheckZone(reader, zoneText.Value, zoneNode!);
            var cron = reader.Section("cron", r => new Holder<FreezeCron>(ReadCron(r, $"{path}.cron")))?.Value;
            var cronEntry = reader.Find("cron");
            var fromText = Text(reader, "from", out var fromNode);
            var toText = Text(reader, "to", out var toNode);
            var branches = reader.List<string>("branches", PolicyValueSyntax.Branch, PolicyValueSyntax.BranchComparer);
            var environments = reader.List<string>("environments", Environment, StringComparer.OrdinalIgnoreCase);
            reader.ReportUnknownKeys();

            var hasRange = reader.Find("from") is not null || reader.Find("to") is not null;
            FreezeWindow? window = null;
            if (cronEntry is not null && hasRange)
            {
                var at = reader.Find("from") ?? reader.Find("to")!;
                reader.Report(at.Key.Line, at.Key.Column, reader.PathOf(at.Key.Value), "a window has either a cron schedule or a from/to range, not both; make two windows");
            }
            else if (cronEntry is not null)
            {
                if (zoneText is null && reader.Find("time-zone") is null)
                {
                    reader.Report(mapping.Line, mapping.Column, reader.PathOf("time-zone"), "missing; a cron window needs the IANA time zone its times are in, e.g. Europe/London (UTC for UTC)");
                }
                else if (cron is not null && zone is not null && name is not null && !nameInvalid)
                {
                    window = new FreezeWindow { Name = name.Value, Cron = cron, TimeZone = zoneText!.Value };
                }
            }
            else if (hasRange)
            {
                var range = ReadRange(reader, mapping, fromText, fromNode, toText, toNode, zoneText, zone);
                if (range is { } r && name is not null && !nameInvalid)
                {
                    window = new FreezeWindow { Name = name.Value, From = r.From, To = r.To, TimeZone = zoneText?.Value };
                }
            }
            else
            {
                reader.Report(mapping.Line, mapping.Column, path, "a window needs either 'cron: {start: …, end: …}' or 'from:' and 'to:'");
            }

            // A list with problems was reported (and left out): the file yields no document, so the window does not matter.
            if (window is not null)
            {
                window = window with { Branches = branches?.Value, Environments = environments?.Value };
            }

            return (window, name);
        }

        private static FreezeCron? ReadCron(PolicyMappingReader reader, string path)
        {
            var start = CronText(reader, "start");
            var end = CronText(reader, "end");
            var startMissing = start is null && reader.Find("start") is null;
            var endMissing = end is null && reader.Find("end") is null;
            if (startMissing || endMissing)
            {
                var missing = startMissing && endMissing ? "start and end" : startMissing ? "start" : "end";
                reader.Report(reader.Line, reader.Column, path, $"{missing} missing; write cron: {{start: \"0 18 * * 5\", end: \"0 6 * * 1\"}} (the window opens at each start and closes at the next end)");
                return null;
            }

            if (start is null || end is null)
            {
                return null;
            }

            if (start.Value.Text.Trim() == end.Value.Text.Trim())
            {
                reader.Report(end.Value.Node.Line, end.Value.Node.Column, reader.PathOf("end"), "is the same as start, so the window would never be open");
                return null;
            }

            return new FreezeCron(start.Value.Text.Trim(), end.Value.Text.Trim());
        }

        private static (string Text, ScalarNode Node)? CronText(PolicyMappingReader reader, string key)
        {
            if (Text(reader, key, out var node) is not { } setting)
            {
                return null;
            }

            var text = setting.Value.Trim();
            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (!text.StartsWith('@') && fields.Length != 5)
            {
                var hint = fields.Length == 6 ? "; FinGuard schedules have no seconds field" : string.Empty;
                reader.Report(node!.Line, node.Column, reader.PathOf(key), $"'{text}' has {fields.Length} fields; write 5: minute hour day-of-month month day-of-week, e.g. \"0 18 L-1 * *\"{hint}");
                return null;
            }

            if (FreezeCalendar.ParseCron(text, out var problem) is not { } expression)
            {
                reader.Report(node!.Line, node.Column, reader.PathOf(key), $"'{text}' is not a cron expression FinGuard can read: {problem}");
                return null;
            }

            if (expression.GetNextOccurrence(CronCheckFrom, TimeZoneInfo.Utc) is null)
            {
                reader.Report(node!.Line, node.Column, reader.PathOf(key), $"'{text}' never occurs (no such date); check the day and month");
                return null;
            }

            return (text, node!);
        }

        private static (DateTimeOffset From, DateTimeOffset To)? ReadRange(
            PolicyMappingReader reader,
            MappingNode mapping,
            PolicySetting<string>? fromText,
            ScalarNode? fromNode,
            PolicySetting<string>? toText,
            ScalarNode? toNode,
            PolicySetting<string>? zoneText,
            TimeZoneInfo? zone)
        {
            if (reader.Find("from") is null || reader.Find("to") is null)
            {
                var missing = reader.Find("from") is null ? "from" : "to";
                reader.Report(mapping.Line, mapping.Column, reader.PathOf(missing), $"missing; a fixed window needs both from and to");
                return null;
            }

            if (fromText is null || toText is null || (zoneText is not null && zone is null))
            {
                return null;
            }

            var from = DateTimeText(reader, "from", fromText.Value, fromNode!, zoneText, zone, earliest: true);
            var to = DateTimeText(reader, "to", toText.Value, toNode!, zoneText, zone, earliest: false);
            if (from is null || to is null)
            {
                return null;
            }

            if (to <= from)
            {
                reader.Report(toNode!.Line, toNode.Column, reader.PathOf("to"), $"'{toText.Value}' is not after from ('{fromText.Value}'); a window must end after it starts");
                return null;
            }

            return (from.Value, to.Value);
        }

        /// <summary>
        /// <c>2026-12-20</c>, <c>2026-12-20T18:00</c>, <c>2026-12-20T18:00:00</c> (in the window's time zone) or the same
        /// with <c>Z</c> or an offset such as <c>+01:00</c> (then without a time zone). A local time that occurs twice
        /// (clocks go back) is read the strict way: <c>from</c> at its first instant, <c>to</c> at its second.
        /// </summary>
        private static DateTimeOffset? DateTimeText(
            PolicyMappingReader reader, string key, string text, ScalarNode node, PolicySetting<string>? zoneText, TimeZoneInfo? zone, bool earliest)
        {
            var path = reader.PathOf(key);
            var match = DateTimePattern().Match(text.Trim());
            if (!match.Success)
            {
                reader.Report(node.Line, node.Column, path, $"'{text}' is not a date-time; write 2026-12-20T18:00:00 (with time-zone) or 2026-12-20T18:00:00Z / 2026-12-20T18:00:00+01:00");
                return null;
            }

            var time = match.Groups["time"].Success ? match.Groups["time"].Value : "00:00";
            if (time.Length == 5)
            {
                time += ":00";
            }

            if (!DateTime.TryParseExact($"{match.Groups["date"].Value}T{time}", "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                reader.Report(node.Line, node.Column, path, $"'{text}' is not a real date and time");
                return null;
            }

            if (match.Groups["offset"].Success)
            {
                if (zoneText is not null)
                {
                    reader.Report(node.Line, node.Column, path, $"'{text}' has an offset, and the window has time-zone {zoneText.Value}; remove the offset to read it in {zoneText.Value}, or remove time-zone");
                    return null;
                }

                var offsetText = match.Groups["offset"].Value;
                var offset = offsetText == "Z"
                    ? TimeSpan.Zero
                    : TimeSpan.ParseExact(offsetText[1..], @"hh\:mm", CultureInfo.InvariantCulture) * (offsetText[0] == '-' ? -1 : 1);
                if (offset.Duration() > TimeSpan.FromHours(14))
                {
                    reader.Report(node.Line, node.Column, path, $"'{text}': offsets go from -14:00 to +14:00");
                    return null;
                }

                return new DateTimeOffset(local, offset);
            }

            if (zone is null)
            {
                reader.Report(node.Line, node.Column, path, $"'{text}' has no time zone; add 'time-zone:' to the window (e.g. Europe/London), or write the offset (2026-12-20T18:00:00Z)");
                return null;
            }

            if (zone.IsInvalidTime(local))
            {
                reader.Report(node.Line, node.Column, path, $"'{text}' does not exist in {zoneText!.Value}: the clocks go forward over it; write a time after the change");
                return null;
            }

            var offsetHere = zone.IsAmbiguousTime(local)
                ? earliest ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetAmbiguousTimeOffsets(local).Min()
                : zone.GetUtcOffset(local);
            return new DateTimeOffset(local, offsetHere);
        }

        /// <summary>An IANA time zone id this system knows, written exactly; null (reported) otherwise.</summary>
        private static TimeZoneInfo? CheckZone(PolicyMappingReader reader, string id, ScalarNode node)
        {
            var path = reader.PathOf("time-zone");
            var zone = FreezeCalendar.FindZone(id);
            if (zone is not null && TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out _) && string.Equals(zone.Id, id, StringComparison.Ordinal))
            {
                return zone;
            }

            string? suggestion;
            if (TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var iana))
            {
                suggestion = iana;
            }
            else
            {
                var known = KnownZoneIds.Value;
                suggestion = known.FirstOrDefault(k => string.Equals(k, id, StringComparison.OrdinalIgnoreCase)) ?? NearestName.Find(id, known);
            }

            var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
            reader.Report(node.Line, node.Column, path, $"'{id}' is not an IANA time zone this system knows{hint}; write a name such as Europe/London, America/New_York, Asia/Kolkata or UTC");
            return null;
        }

        /// <summary>A deployment environment name, as GitHub allows them.</summary>
        private static string? Environment(string text, out string value)
        {
            value = text;
            return text.Trim().Length == 0 || text.Length > MaxEnvironmentLength || text.Any(char.IsControl)
                ? $"'{text}' is not an environment name (1 to {MaxEnvironmentLength} characters on one line)"
                : null;
        }
    }

    /// <summary>A text value (quoted or not); null when absent or not text (reported).</summary>
    internal static PolicySetting<string>? Text(PolicyMappingReader reader, string key, out ScalarNode? node)
    {
        node = null;
        if (reader.Find(key) is not { Value: not ReportedNode } entry)
        {
            return null;
        }

        if (entry.Value is not ScalarNode { IsNull: false } scalar || scalar.Value.Contains('\n', StringComparison.Ordinal))
        {
            reader.Report(entry.Value.Line, entry.Value.Column, reader.PathOf(key), $"expected text on one line, got {entry.Value.Description}");
            return null;
        }

        node = scalar;
        return new PolicySetting<string>(scalar.Value, entry.Key.Line, entry.Key.Column);
    }

    /// <summary>What a nested reader made of a mapping: null when it had problems (reported).</summary>
    private sealed record Holder<T>(T? Value)
        where T : class;

    // A date, optionally a time (T or a space), optionally Z or ±hh:mm.
    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})(?:[T ](?<time>\d{2}:\d{2}(?::\d{2})?))?(?<offset>Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimePattern();
}

/// <summary>The <c>break-glass</c> mapping of the <c>freeze-window</c> section.</summary>
public sealed partial record BreakGlassSection
{
    public required int Line { get; init; }

    public required int Column { get; init; }

    public required PolicySetting<string> Label { get; init; }

    public required PolicySetting<ImmutableArray<string>> ApproverTeams { get; init; }

    public PolicySetting<TimeSpan>? MaxDuration { get; init; }

    public BreakGlassPolicy ToPolicy() => new()
    {
        Label = Label.Value,
        ApproverTeams = ApproverTeams.Value,
        MaxDuration = MaxDuration?.Value ?? BreakGlassPolicy.DefaultMaxDuration,
    };

    internal static BreakGlassSection? Read(PolicyMappingReader reader)
    {
        var label = FreezeWindowSection.Text(reader, "label", out var labelNode);
        if (label is not null && (label.Value.Trim().Length == 0 || label.Value.Length > FreezeWindowSection.MaxLabelLength))
        {
            reader.Report(labelNode!.Line, labelNode.Column, reader.PathOf("label"), $"a GitHub label is 1 to {FreezeWindowSection.MaxLabelLength} characters");
            label = null;
        }

        var teams = reader.List<string>(
            "approver-teams",
            PolicyValueSyntax.Team,
            PolicyValueSyntax.NameComparer,
            whenEmpty: "cannot be empty: nobody could approve a break-glass change; remove break-glass to allow none");
        var maxDuration = DurationSetting(reader, "max-duration", BreakGlassPolicy.LongestMaxDuration);

        var missing = new[] { ("label", label is null && reader.Find("label") is null), ("approver-teams", teams is null && reader.Find("approver-teams") is null) }
            .Where(m => m.Item2).Select(m => m.Item1).ToList();
        if (missing.Count > 0)
        {
            reader.Report(reader.Line, reader.Column, $"{FreezeWindowSection.Key}.{FreezeWindowSection.BreakGlassKey}", $"{string.Join(" and ", missing)} missing; break-glass needs the label that asks for it and the teams whose members may approve it");
            return null;
        }

        return label is null || teams is null || (maxDuration is null && reader.Find("max-duration") is { Value: not ReportedNode })
            ? null
            : new BreakGlassSection { Line = reader.Line, Column = reader.Column, Label = label, ApproverTeams = teams, MaxDuration = maxDuration };
    }

    /// <summary><c>30m</c>, <c>4h</c>, <c>1d</c>: more than nothing, at most <paramref name="longest"/>.</summary>
    internal static PolicySetting<TimeSpan>? DurationSetting(PolicyMappingReader reader, string key, TimeSpan longest)
    {
        if (FreezeWindowSection.Text(reader, key, out var node) is not { } text)
        {
            return null;
        }

        var match = DurationPattern().Match(text.Value.Trim());
        if (!match.Success || !int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            reader.Report(node!.Line, node.Column, reader.PathOf(key), $"'{text.Value}' is not a duration; write minutes, hours or days: 30m, 4h, 1d");
            return null;
        }

        var duration = match.Groups["unit"].Value switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
        if (duration <= TimeSpan.Zero || duration > longest)
        {
            reader.Report(node!.Line, node.Column, reader.PathOf(key), $"must be more than 0 and at most {FreezeWindowControl.Duration(longest)}, got {text.Value}");
            return null;
        }

        return new PolicySetting<TimeSpan>(duration, text.Line, text.Column);
    }

    [GeneratedRegex(@"^(?<n>\d{1,5})(?<unit>[mhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
