using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>Checks one list item's text: returns null and the value, or a message saying what is wrong.</summary>
internal delegate string? PolicyItemParser<T>(string text, out T value);

/// <summary>
/// Reads the settings of one YAML mapping (the file's top level or one section) by name and type. Every accessor
/// records its key as known; <see cref="ReportUnknownKeys"/> then reports every other key, with the nearest known
/// name as a suggestion. Wrong types and invalid values are reported at the value's position with the key's path
/// and the setting is left out (null), so a file with problems never yields a document.
/// </summary>
internal sealed class PolicyMappingReader
{
    private readonly MappingNode mapping;
    private readonly string path;
    private readonly List<PolicyProblem> problems;
    private readonly List<string> knownKeys = [];

    public PolicyMappingReader(MappingNode mapping, string path, List<PolicyProblem> problems)
    {
        this.mapping = mapping;
        this.path = path;
        this.problems = problems;
    }

    /// <summary>Position of the mapping itself (for a section: where its first key is).</summary>
    public int Line => mapping.Line;

    public int Column => mapping.Column;

    /// <summary>The dotted path of <paramref name="key"/> in messages: <c>signed-commits.enabled</c>.</summary>
    public string PathOf(string key) => path.Length == 0 ? key : $"{path}.{key}";

    public void Report(int line, int column, string keyPath, string message) =>
        problems.Add(new PolicyProblem(line, column, $"{keyPath}: {message}"));

    /// <summary>The entry for <paramref name="key"/>, marking the key as known; null when absent.</summary>
    public MappingEntry? Find(string key)
    {
        knownKeys.Add(key);
        foreach (var entry in mapping.Entries)
        {
            if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary><c>true</c> or <c>false</c>, unquoted.</summary>
    public PolicySetting<bool>? Boolean(string key)
    {
        if (FindValue(key) is not { } entry)
        {
            return null;
        }

        if (entry.Value is ScalarNode scalar && scalar.TryGetBoolean(out var value))
        {
            return Setting(entry, value);
        }

        var hint = entry.Value switch
        {
            ScalarNode { IsPlain: false } s when s.Value.Trim() is "true" or "false" => "; remove the quotes",
            ScalarNode { IsPlain: true, Value: "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" } => "; write true",
            ScalarNode { IsPlain: true, Value: "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" } => "; write false",
            _ => string.Empty,
        };
        Report(entry.Value, PathOf(key), $"expected true or false, got {entry.Value.Description}{hint}");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, unquoted.</summary>
    public PolicySetting<int>? Integer(string key, int min, int max, Func<long, string>? outOfRange = null)
    {
        if (FindValue(key) is not { } entry)
        {
            return null;
        }

        if (entry.Value is not ScalarNode scalar || !scalar.TryGetInteger(out var number))
        {
            var hint = entry.Value is ScalarNode { IsPlain: false } s && long.TryParse(s.Value.Trim(), out _) ? "; remove the quotes" : string.Empty;
            Report(entry.Value, PathOf(key), $"expected a whole number from {min} to {max}, got {entry.Value.Description}{hint}");
            return null;
        }

        if (number < min || number > max)
        {
            Report(entry.Value, PathOf(key), outOfRange?.Invoke(number) ?? $"must be from {min} to {max}, got {number}");
            return null;
        }

        return Setting(entry, (int)number);
    }

    /// <summary>
    /// A list of scalars, each checked by <paramref name="parseItem"/>; duplicates (by <paramref name="comparer"/>) are
    /// problems, and so is an empty list when <paramref name="whenEmpty"/> says why it cannot be empty.
    /// </summary>
    public PolicySetting<ImmutableArray<T>>? List<T>(
        string key, PolicyItemParser<T> parseItem, IEqualityComparer<T> comparer, string? whenEmpty = null)
    {
        if (FindValue(key) is not { } entry)
        {
            return null;
        }

        var keyPath = PathOf(key);
        if (entry.Value is not SequenceNode sequence)
        {
            var hint = entry.Value switch
            {
                ScalarNode { IsNull: true } => "; write [] for an empty list",
                ScalarNode s when !s.Value.Contains('\n', StringComparison.Ordinal) => $"; write [{s.Value}] for a list of one",
                _ => string.Empty,
            };
            Report(entry.Value, keyPath, $"expected a list, got {entry.Value.Description}{hint}");
            return null;
        }

        if (sequence.Items.Count == 0 && whenEmpty is not null)
        {
            Report(sequence, keyPath, whenEmpty);
            return null;
        }

        var valid = true;
        var items = ImmutableArray.CreateBuilder<T>(sequence.Items.Count);
        var seen = new List<(T Value, YamlNode Node)>();
        foreach (var item in sequence.Items)
        {
            switch (item)
            {
                case ReportedNode:
                    valid = false;
                    continue;
                case ScalarNode { IsNull: true } or not ScalarNode:
                    Report(item, keyPath, $"list entries must be text, got {item.Description}");
                    valid = false;
                    continue;
            }

            var text = ((ScalarNode)item).Value;
            if (parseItem(text, out var value) is { } error)
            {
                Report(item, keyPath, error);
                valid = false;
                continue;
            }

            var duplicate = seen.FindIndex(s => comparer.Equals(s.Value, value));
            if (duplicate >= 0)
            {
                var first = seen[duplicate].Node;
                Report(item, keyPath, $"'{text}' is listed twice (also at {first.Line}:{first.Column}); keep one");
                valid = false;
                continue;
            }

            seen.Add((value, item));
            items.Add(value);
        }

        return valid ? Setting(entry, items.ToImmutable()) : null;
    }

    /// <summary>
    /// A nested mapping read by <paramref name="read"/>, whose unknown keys are then reported; null when absent or
    /// not a mapping (reported).
    /// </summary>
    public T? Section<T>(string key, Func<PolicyMappingReader, T> read)
        where T : class
    {
        if (FindValue(key) is not { } entry)
        {
            return null;
        }

        if (entry.Value is not MappingNode section)
        {
            var hint = entry.Value is ScalarNode { IsNull: true }
                ? "; indent the section's settings below it, or remove the key to use the defaults"
                : string.Empty;
            Report(entry.Value, PathOf(key), $"expected a section of settings (key: value lines indented below it), got {entry.Value.Description}{hint}");
            return null;
        }

        // A section's position is its key's, which is where a reader looks for it.
        var reader = new PolicyMappingReader(new MappingNode(entry.Key.Line, entry.Key.Column, section.Entries), PathOf(key), problems);
        var result = read(reader);
        reader.ReportUnknownKeys();
        return result;
    }

    /// <summary>
    /// A reader for a mapping found below this one (an entry of a list of mappings), reporting into the same problems
    /// under <paramref name="nestedPath"/>. The caller reports its unknown keys.
    /// </summary>
    public PolicyMappingReader Nested(MappingNode node, string nestedPath) => new(node, nestedPath, problems);

    /// <summary>Reports every key no accessor asked for, suggesting the nearest known one.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var entry in mapping.Entries)
        {
            var key = entry.Key.Value;
            if (knownKeys.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            var where = path.Length == 0 ? "at the top level" : $"in {path}";
            var suggestion = NearestName.Find(key, knownKeys) is { } near
                ? $"did you mean '{near}'?"
                : $"expected one of: {string.Join(", ", knownKeys)}";
            problems.Add(new PolicyProblem(entry.Key.Line, entry.Key.Column, $"unknown key '{key}' {where} ({suggestion})"));
        }
    }

    /// <summary>Like <see cref="Find"/>, but null also when the value was already reported (an alias, a tag).</summary>
    private MappingEntry? FindValue(string key) => Find(key) is { Value: not ReportedNode } entry ? entry : null;

    private void Report(YamlNode node, string keyPath, string message) => Report(node.Line, node.Column, keyPath, message);

    private static PolicySetting<T> Setting<T>(MappingEntry entry, T value) => new(value, entry.Key.Line, entry.Key.Column);
}
