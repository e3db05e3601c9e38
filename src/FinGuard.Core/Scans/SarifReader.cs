using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using static FinGuard.Core.Scans.ScanJson;

namespace FinGuard.Core.Scans;

/// <summary>
/// Reads SARIF 2.1.0 (OASIS standard, errata 01) from any tool. Per run: <c>tool.driver.name</c>; rules from
/// <c>tool.driver.rules</c> and <c>tool.extensions[].rules</c> (found by <c>ruleIndex</c>/<c>rule.index</c> within the
/// component <c>rule.toolComponent</c> names, or by <c>ruleId</c>); <c>results[]</c> with <c>kind</c>, <c>level</c>,
/// <c>suppressions</c>, <c>message</c>, the first location, fingerprints and the <c>security-severity</c> property;
/// <c>invocations[]</c> for execution success and notifications. The mapping is documented in docs/scans.md.
/// </summary>
internal static class SarifReader
{
    private static readonly string[] Levels = ["none", "note", "warning", "error"];
    private static readonly string[] Kinds = ["pass", "open", "informational", "notApplicable", "review", "fail"];
    private static readonly string[] SuppressionStatuses = ["accepted", "underReview", "rejected"];

    public static ScanReport Read(JsonElement root)
    {
        var tools = new List<string>();
        var findings = ImmutableArray.CreateBuilder<Finding>();
        var toolErrors = ImmutableArray.CreateBuilder<ToolMessage>();
        var toolWarnings = ImmutableArray.CreateBuilder<ToolMessage>();
        var suppressed = 0;

        var runIndex = 0;
        foreach (var runElement in RequiredArray(root, "runs", string.Empty).EnumerateArray())
        {
            var run = new Run(ExpectObject(runElement, Item("runs", runIndex)), Item("runs", runIndex));
            runIndex++;
            if (!tools.Contains(run.ToolName, StringComparer.Ordinal))
            {
                tools.Add(run.ToolName);
            }

            ReadInvocations(run, toolErrors, toolWarnings);
            if (OptionalArray(run.Element, "results", run.Path) is not { } results)
            {
                // SARIF §3.14.23: a run whose results are absent or null did not complete its analysis.
                toolErrors.Add(new ToolMessage(run.ToolName, "the run has no results array: the tool did not complete its analysis"));
                continue;
            }

            var resultIndex = 0;
            foreach (var resultElement in results.EnumerateArray())
            {
                var path = Item(Child(run.Path, "results"), resultIndex++);
                var result = ExpectObject(resultElement, path);
                if (Enumerated(OptionalString(result, "kind", path), Kinds, Child(path, "kind"), "SARIF result kind") is { } kind && kind != "fail")
                {
                    continue;
                }

                if (IsSuppressed(result, path))
                {
                    suppressed++;
                    continue;
                }

                findings.Add(ReadFinding(run, result, path));
            }
        }

        return new ScanReport
        {
            Format = ScanFormat.Sarif,
            Tools = [.. tools],
            Findings = findings.ToImmutable(),
            Suppressed = suppressed,
            ToolErrors = toolErrors.ToImmutable(),
            ToolWarnings = toolWarnings.ToImmutable(),
        };
    }

    /// <summary>A <c>security-severity</c> score above 0: ≥ 9.0 critical, ≥ 7.0 high, ≥ 4.0 medium, else low.</summary>
    public static ScanSeverity FromScore(double score) => score switch
    {
        >= 9.0 => ScanSeverity.Critical,
        >= 7.0 => ScanSeverity.High,
        >= 4.0 => ScanSeverity.Medium,
        _ => ScanSeverity.Low,
    };

    /// <summary>A SARIF level, used when there is no score above 0: error high, warning medium, note low, none info.</summary>
    public static ScanSeverity FromLevel(string level) => level switch
    {
        "error" => ScanSeverity.High,
        "warning" => ScanSeverity.Medium,
        "note" => ScanSeverity.Low,
        _ => ScanSeverity.Info,
    };

    /// <summary>
    /// Severity from the <c>security-severity</c> score (result properties first, then the rule's) when it is above 0,
    /// else from the level: the result's, else the rule's <c>defaultConfiguration.level</c>, else <c>warning</c>.
    /// </summary>
    private static Finding ReadFinding(Run run, JsonElement result, string path)
    {
        var (rule, rulePath, ruleId) = ResolveRule(run, result, path);

        var level = Enumerated(OptionalString(result, "level", path), Levels, Child(path, "level"), "SARIF level");
        if (level is null && rule is { } r && OptionalObject(r, "defaultConfiguration", rulePath) is { } configuration)
        {
            var configurationPath = Child(rulePath, "defaultConfiguration");
            level = Enumerated(OptionalString(configuration, "level", configurationPath), Levels, Child(configurationPath, "level"), "SARIF level");
        }

        var score = SecuritySeverity(result, path) ?? (rule is { } scored ? SecuritySeverity(scored, rulePath) : null);
        var severity = score > 0 ? FromScore(score.Value) : FromLevel(level ?? "warning");

        var (file, line) = Location(run, result, path);
        return new Finding(run.ToolName, ruleId, severity, Message(result, rule, rulePath, path), file, line, Fingerprint(result, path));
    }

    private static (JsonElement? Rule, string RulePath, string RuleId) ResolveRule(Run run, JsonElement result, string path)
    {
        var reference = OptionalObject(result, "rule", path);
        var referencePath = Child(path, "rule");
        var index = reference is { } withIndex ? OptionalInteger(withIndex, "index", referencePath, -1) : null;
        var indexPath = Child(referencePath, "index");
        if (index is null or -1)
        {
            index = OptionalInteger(result, "ruleIndex", path, -1);
            indexPath = Child(path, "ruleIndex");
        }

        var id = OptionalString(result, "ruleId", path) ?? (reference is { } withId ? OptionalString(withId, "id", referencePath) : null);
        var component = reference is { } withComponent && OptionalObject(withComponent, "toolComponent", referencePath) is { } componentReference
            ? run.Component(componentReference, Child(referencePath, "toolComponent"))
            : null;

        (JsonElement Element, string Path)? rule = null;
        if (index is { } i and >= 0)
        {
            rule = (component ?? run.Driver).Rule(i, indexPath);
        }
        else if (id is not null)
        {
            rule = component is not null ? component.Find(id) : run.Find(id);
        }

        if (id is null && rule is { } found)
        {
            id = RequiredString(found.Element, "id", found.Path);
        }

        return id is null
            ? throw new ScanFormatException($"{path}: has no ruleId, rule.id or ruleIndex, so the finding cannot be attributed to a rule")
            : (rule?.Element, rule?.Path ?? string.Empty, id);
    }

    private static bool IsSuppressed(JsonElement result, string path)
    {
        if (OptionalArray(result, "suppressions", path) is not { } suppressions || suppressions.GetArrayLength() == 0)
        {
            return false;
        }

        // Suppressed only when every suppression is accepted (status absent means accepted): one under review or
        // rejected keeps the result open.
        var allAccepted = true;
        var index = 0;
        foreach (var suppression in suppressions.EnumerateArray())
        {
            var suppressionPath = Item(Child(path, "suppressions"), index++);
            ExpectObject(suppression, suppressionPath);
            var status = Enumerated(OptionalString(suppression, "status", suppressionPath), SuppressionStatuses, Child(suppressionPath, "status"), "SARIF suppression status");
            allAccepted &= status is null or "accepted";
        }

        return allAccepted;
    }

    private static double? SecuritySeverity(JsonElement owner, string path)
    {
        if (OptionalObject(owner, "properties", path) is not { } properties
            || Optional(properties, "security-severity") is not { } value)
        {
            return null;
        }

        var valuePath = $"{Child(path, "properties")}[\"security-severity\"]";
        double score;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = Text(value, valuePath);
            if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out score))
            {
                throw new ScanFormatException($"{valuePath}: {Quote(text)} is not a number (a CVSS-style score from 0.0 to 10.0)");
            }
        }
        else if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out score))
        {
            throw WrongType(valuePath, "a number from 0.0 to 10.0 (or such a number as a string)", value);
        }

        return double.IsFinite(score) && score is >= 0 and <= 10
            ? score
            : throw new ScanFormatException($"{valuePath}: {score.ToString(CultureInfo.InvariantCulture)} is outside 0.0–10.0");
    }

    private static string Message(JsonElement result, JsonElement? rule, string rulePath, string path)
    {
        var message = RequiredObject(result, "message", path);
        var messagePath = Child(path, "message");
        if (OptionalString(message, "text", messagePath) is { } text)
        {
            return text;
        }

        if (OptionalString(message, "id", messagePath) is not { } id)
        {
            throw new ScanFormatException($"{messagePath}: has neither text nor id");
        }

        // A message by reference: the rule's messageStrings[id].text (SARIF §3.11.10).
        return rule is { } r
            && OptionalObject(r, "messageStrings", rulePath) is { } strings
            && OptionalObject(strings, id, Child(rulePath, "messageStrings")) is { } entry
            && OptionalString(entry, "text", Child(Child(rulePath, "messageStrings"), id)) is { } referenced
            ? referenced
            : id;
    }

    private static (string? File, int? Line) Location(Run run, JsonElement result, string path)
    {
        if (OptionalArray(result, "locations", path) is not { } locations || locations.GetArrayLength() == 0)
        {
            return (null, null);
        }

        var locationPath = Item(Child(path, "locations"), 0);
        var location = ExpectObject(locations[0], locationPath);
        if (OptionalObject(location, "physicalLocation", locationPath) is not { } physical)
        {
            return (null, null);
        }

        var physicalPath = Child(locationPath, "physicalLocation");
        string? file = null;
        if (OptionalObject(physical, "artifactLocation", physicalPath) is { } artifact)
        {
            var artifactPath = Child(physicalPath, "artifactLocation");
            file = OptionalString(artifact, "uri", artifactPath);
            if (file is null && OptionalInteger(artifact, "index", artifactPath, -1) is { } index and >= 0)
            {
                file = run.ArtifactUri(index, Child(artifactPath, "index"));
            }
        }

        var line = OptionalObject(physical, "region", physicalPath) is { } region
            ? OptionalInteger(region, "startLine", Child(physicalPath, "region"), 1)
            : null;
        return (file, line);
    }

    private static string? Fingerprint(JsonElement result, string path)
    {
        foreach (var name in (string[])["partialFingerprints", "fingerprints"])
        {
            if (OptionalObject(result, name, path) is { } fingerprints)
            {
                foreach (var property in fingerprints.EnumerateObject())
                {
                    return Text(property.Value, $"{Child(path, name)}[{Quote(PropertyName(property))}]");
                }
            }
        }

        return null;
    }

    /// <summary>The key as text, or <c>?</c> when it holds an escaped unpaired surrogate (which <see cref="JsonProperty.Name"/> refuses).</summary>
    private static string PropertyName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static void ReadInvocations(Run run, ImmutableArray<ToolMessage>.Builder errors, ImmutableArray<ToolMessage>.Builder warnings)
    {
        if (OptionalArray(run.Element, "invocations", run.Path) is not { } invocations)
        {
            return;
        }

        var index = 0;
        foreach (var invocationElement in invocations.EnumerateArray())
        {
            var path = Item(Child(run.Path, "invocations"), index++);
            var invocation = ExpectObject(invocationElement, path);
            if (OptionalBoolean(invocation, "executionSuccessful", path) == false)
            {
                var exitCode = OptionalInteger(invocation, "exitCode", path, int.MinValue);
                var description = OptionalString(invocation, "exitCodeDescription", path) ?? OptionalString(invocation, "exitSignalName", path);
                var detail = (exitCode, description) switch
                {
                    (null, null) => string.Empty,
                    ({ } code, null) => $" (exit code {code})",
                    (null, { } text) => $" ({text})",
                    ({ } code, { } text) => $" (exit code {code}: {text})",
                };
                errors.Add(new ToolMessage(run.ToolName, $"the tool reported that its execution was not successful{detail}"));
            }

            foreach (var list in (string[])["toolConfigurationNotifications", "toolExecutionNotifications"])
            {
                if (OptionalArray(invocation, list, path) is not { } notifications)
                {
                    continue;
                }

                var notificationIndex = 0;
                foreach (var notificationElement in notifications.EnumerateArray())
                {
                    var notificationPath = Item(Child(path, list), notificationIndex++);
                    var notification = ExpectObject(notificationElement, notificationPath);

                    // SARIF §3.58.6: a notification's level defaults to warning.
                    var level = Enumerated(OptionalString(notification, "level", notificationPath), Levels, Child(notificationPath, "level"), "SARIF level") ?? "warning";
                    if (level is not ("error" or "warning"))
                    {
                        continue;
                    }

                    var text = (OptionalObject(notification, "message", notificationPath) is { } message ? OptionalString(message, "text", Child(notificationPath, "message")) : null)
                        ?? (OptionalObject(notification, "descriptor", notificationPath) is { } descriptor ? OptionalString(descriptor, "id", Child(notificationPath, "descriptor")) : null)
                        ?? "notification without a message";
                    (level == "error" ? errors : warnings).Add(new ToolMessage(run.ToolName, text));
                }
            }
        }
    }

    private static string? Enumerated(string? value, string[] allowed, string path, string what) =>
        value is null || allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ScanFormatException($"{path}: {Quote(value)} is not a {what} ({string.Join(", ", allowed)})");

    /// <summary>One run's tool components (the driver, then the extensions) and artifacts.</summary>
    private sealed class Run
    {
        public Run(JsonElement element, string path)
        {
            Element = element;
            Path = path;
            var tool = RequiredObject(element, "tool", path);
            var toolPath = Child(path, "tool");
            var driver = RequiredObject(tool, "driver", toolPath);
            Driver = new ToolComponent(driver, Child(toolPath, "driver"));
            ToolName = Driver.Name;
            var extensions = new List<ToolComponent>();
            if (OptionalArray(tool, "extensions", toolPath) is { } array)
            {
                var index = 0;
                foreach (var extension in array.EnumerateArray())
                {
                    var extensionPath = Item(Child(toolPath, "extensions"), index++);
                    extensions.Add(new ToolComponent(ExpectObject(extension, extensionPath), extensionPath));
                }
            }

            Extensions = extensions;
        }

        public JsonElement Element { get; }

        public string Path { get; }

        public string ToolName { get; }

        public ToolComponent Driver { get; }

        public List<ToolComponent> Extensions { get; }

        /// <summary>The component a <c>toolComponentReference</c> names: by index into the extensions, else by name, else the driver.</summary>
        public ToolComponent Component(JsonElement reference, string path)
        {
            if (OptionalInteger(reference, "index", path, -1) is { } index and >= 0)
            {
                return index < Extensions.Count
                    ? Extensions[index]
                    : throw new ScanFormatException($"{Child(path, "index")}: {index} is out of range: tool.extensions has {Extensions.Count} entries");
            }

            if (OptionalString(reference, "name", path) is { } name)
            {
                return (string.Equals(Driver.Name, name, StringComparison.Ordinal) ? Driver : null)
                    ?? Extensions.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal))
                    ?? throw new ScanFormatException($"{Child(path, "name")}: no tool component is named {Quote(name)}");
            }

            return Driver;
        }

        /// <summary>A rule by id in the driver, then in each extension.</summary>
        public (JsonElement Element, string Path)? Find(string id)
        {
            if (Driver.Find(id) is { } rule)
            {
                return rule;
            }

            foreach (var extension in Extensions)
            {
                if (extension.Find(id) is { } extensionRule)
                {
                    return extensionRule;
                }
            }

            return null;
        }

        public string? ArtifactUri(int index, string path)
        {
            var artifacts = OptionalArray(Element, "artifacts", Path);
            if (artifacts is not { } array || index >= array.GetArrayLength())
            {
                throw new ScanFormatException($"{path}: {index} is out of range: the run has {(artifacts is { } a ? a.GetArrayLength() : 0)} artifacts");
            }

            var artifactPath = Item(Child(Path, "artifacts"), index);
            var artifact = ExpectObject(array[index], artifactPath);
            return OptionalObject(artifact, "location", artifactPath) is { } location
                ? OptionalString(location, "uri", Child(artifactPath, "location"))
                : null;
        }
    }

    /// <summary>A <c>toolComponent</c>: its name and rules (<c>reportingDescriptor</c>s).</summary>
    private sealed class ToolComponent(JsonElement element, string path)
    {
        private readonly JsonElement? _rules = OptionalArray(element, "rules", path);
        private Dictionary<string, int>? _byId;

        public string Name { get; } = RequiredString(element, "name", path);

        private string RulesPath => Child(path, "rules");

        public (JsonElement Element, string Path) Rule(int index, string referencePath)
        {
            var count = _rules is { } rules ? rules.GetArrayLength() : 0;
            if (index >= count)
            {
                throw new ScanFormatException($"{referencePath}: {index} is out of range: {RulesPath} has {count} rules");
            }

            var rulePath = Item(RulesPath, index);
            return (ExpectObject(_rules!.Value[index], rulePath), rulePath);
        }

        public (JsonElement Element, string Path)? Find(string id)
        {
            if (_rules is not { } rules)
            {
                return null;
            }

            if (_byId is null)
            {
                _byId = new Dictionary<string, int>(StringComparer.Ordinal);
                var index = 0;
                foreach (var rule in rules.EnumerateArray())
                {
                    var rulePath = Item(RulesPath, index);
                    _byId.TryAdd(RequiredString(ExpectObject(rule, rulePath), "id", rulePath), index);
                    index++;
                }
            }

            return _byId.TryGetValue(id, out var found) ? Rule(found, RulesPath) : null;
        }
    }
}
