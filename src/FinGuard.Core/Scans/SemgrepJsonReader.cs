using System.Collections.Immutable;
using System.Text.Json;
using static FinGuard.Core.Scans.ScanJson;

namespace FinGuard.Core.Scans;

/// <summary>
/// Reads <c>semgrep scan --json</c> output (the <c>cli_output</c> type of Semgrep's <c>semgrep_output_v1.atd</c>).
/// Needed, and checked: <c>results[]</c> with <c>check_id</c>, <c>path</c>, <c>extra.severity</c> and
/// <c>extra.message</c>; optional <c>start.line</c>, <c>extra.fingerprint</c>, <c>extra.is_ignored</c>;
/// <c>errors[]</c> with <c>level</c> and a <c>type</c> that is a string or an array led by a string.
/// Everything else (metavars, dataflow traces, timing, paths) is ignored.
/// </summary>
internal static class SemgrepJsonReader
{
    public const string ToolName = "Semgrep";

    public static ScanReport Read(JsonElement root)
    {
        var findings = ImmutableArray.CreateBuilder<Finding>();
        var suppressed = 0;
        var results = RequiredArray(root, "results", string.Empty);
        var index = 0;
        foreach (var result in results.EnumerateArray())
        {
            var path = Item("results", index++);
            ExpectObject(result, path);
            var extra = RequiredObject(result, "extra", path);
            var extraPath = Child(path, "extra");
            if (OptionalBoolean(extra, "is_ignored", extraPath) == true)
            {
                suppressed++;
                continue;
            }

            var ruleId = RequiredString(result, "check_id", path);
            var severity = Severity(RequiredString(extra, "severity", extraPath), Child(extraPath, "severity"));
            var message = RequiredString(extra, "message", extraPath);
            var file = RequiredString(result, "path", path);
            var line = OptionalObject(result, "start", path) is { } start ? OptionalInteger(start, "line", Child(path, "start"), 1) : null;
            var fingerprint = OptionalString(extra, "fingerprint", extraPath);
            findings.Add(new Finding(ToolName, ruleId, severity, message, file, line, fingerprint));
        }

        var toolErrors = ImmutableArray.CreateBuilder<ToolMessage>();
        var toolWarnings = ImmutableArray.CreateBuilder<ToolMessage>();
        if (OptionalArray(root, "errors", string.Empty) is { } errors)
        {
            index = 0;
            foreach (var error in errors.EnumerateArray())
            {
                var path = Item("errors", index++);
                ExpectObject(error, path);
                var level = RequiredString(error, "level", path);
                var message = ErrorMessage(error, path);
                switch (level.ToLowerInvariant())
                {
                    case "error":
                        toolErrors.Add(new ToolMessage(ToolName, message));
                        break;
                    case "warn" or "warning":
                        toolWarnings.Add(new ToolMessage(ToolName, message));
                        break;
                    case "info":
                        break;
                    default:
                        throw new ScanFormatException($"{Child(path, "level")}: {Quote(level)} is not a Semgrep error level (error, warn, info)");
                }
            }
        }

        return new ScanReport
        {
            Format = ScanFormat.SemgrepJson,
            Tools = [ToolName],
            Findings = findings.ToImmutable(),
            Suppressed = suppressed,
            ToolErrors = toolErrors.ToImmutable(),
            ToolWarnings = toolWarnings.ToImmutable(),
        };
    }

    /// <summary>
    /// Semgrep's rule severities. The legacy trio (ERROR, WARNING, INFO) and the newer scale
    /// (LOW, MEDIUM, HIGH, CRITICAL) share the field; EXPERIMENT and INVENTORY are not about risk.
    /// </summary>
    public static ScanSeverity Severity(string value, string path) => value.ToUpperInvariant() switch
    {
        "CRITICAL" => ScanSeverity.Critical,
        "ERROR" or "HIGH" => ScanSeverity.High,
        "WARNING" or "MEDIUM" => ScanSeverity.Medium,
        "INFO" or "LOW" => ScanSeverity.Low,
        "EXPERIMENT" or "INVENTORY" => ScanSeverity.Info,
        _ => throw new ScanFormatException(
            $"{path}: {Quote(value)} is not a Semgrep severity (ERROR, WARNING, INFO, LOW, MEDIUM, HIGH, CRITICAL, EXPERIMENT, INVENTORY)"),
    };

    /// <summary>
    /// <c>{type}: {message}</c>. <c>type</c> is a string (<c>"Syntax error"</c>) or, since Semgrep 1.45, an array
    /// whose first element names the variant (<c>["PatternParseError", ["rules", "0", "pattern"]]</c>).
    /// </summary>
    private static string ErrorMessage(JsonElement error, string path)
    {
        string? type = null;
        if (Optional(error, "type") is { } typeValue)
        {
            var typePath = Child(path, "type");
            type = typeValue.ValueKind switch
            {
                JsonValueKind.String => Text(typeValue, typePath),
                JsonValueKind.Array when typeValue.GetArrayLength() > 0 => Text(typeValue[0], Item(typePath, 0)),
                _ => throw WrongType(typePath, "a string or an array starting with a string", typeValue),
            };
        }

        var message = OptionalString(error, "message", path)
            ?? OptionalString(error, "long_msg", path)
            ?? OptionalString(error, "short_msg", path);
        var file = OptionalString(error, "path", path);
        var text = (type, message) switch
        {
            (null, null) => "error without a message",
            (null, { } m) => m,
            ({ } t, null) => t,
            ({ } t, { } m) => m.StartsWith(t, StringComparison.OrdinalIgnoreCase) ? m : $"{t}: {m}",
        };
        return file is not null && !text.Contains(file, StringComparison.Ordinal) ? $"{text} ({file})" : text;
    }
}
