using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FinGuard.Benchmarks.Parsing;

/// <summary>
/// Writes scanner output with a given number of findings, shaped like real tool output: Semgrep <c>--json</c>
/// (results with metadata, fingerprints and source lines, an errors array, scanned paths) and SARIF 2.1.0 as
/// Semgrep writes it (a rules table with descriptions and <c>security-severity</c>, results with locations,
/// snippets and fingerprints). About 1 in 20 findings is suppressed. Deterministic: the same count gives the same bytes.
/// </summary>
public static class ScanReportGenerator
{
    private const int RuleCount = 120;
    private static readonly string[] SemgrepSeverities = ["ERROR", "WARNING", "INFO", "HIGH", "MEDIUM", "LOW", "CRITICAL"];
    private static readonly string[] SarifLevels = ["error", "warning", "note"];
    private static readonly string[] Folders = ["app/payments", "app/ledger", "services/settlement", "lib/crypto", "api/handlers"];

    public static byte[] SemgrepJson(int findings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.97.0");
            json.WriteStartArray("results");
            for (var i = 0; i < findings; i++)
            {
                var rule = i % RuleCount;
                var line = 10 + (i * 7 % 900);
                json.WriteStartObject();
                json.WriteString("check_id", RuleId(rule));
                json.WriteString("path", FilePath(i));
                Position(json, "start", line, 5, line * 40);
                Position(json, "end", line, 48, (line * 40) + 43);
                json.WriteStartObject("extra");
                json.WriteString("message", Message(rule));
                json.WriteStartObject("metadata");
                json.WriteStartArray("cwe");
                json.WriteStringValue($"CWE-{89 + (rule % 40)}: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')");
                json.WriteEndArray();
                json.WriteStartArray("owasp");
                json.WriteStringValue("A03:2021 - Injection");
                json.WriteEndArray();
                json.WriteString("category", "security");
                json.WriteString("confidence", "MEDIUM");
                json.WriteString("likelihood", "HIGH");
                json.WriteString("impact", "HIGH");
                json.WriteStartArray("technology");
                json.WriteStringValue("python");
                json.WriteStringValue("django");
                json.WriteEndArray();
                json.WriteString("source", $"https://semgrep.dev/r/{RuleId(rule)}");
                json.WriteEndObject();
                json.WriteString("severity", SemgrepSeverities[rule % SemgrepSeverities.Length]);
                json.WriteString("fingerprint", Fingerprint(i));
                json.WriteString("lines", $"    cursor.execute(\"SELECT * FROM ledger WHERE id = \" + ledger_id_{i})");
                json.WriteBoolean("is_ignored", i % 20 == 19);
                json.WriteString("validation_state", "NO_VALIDATOR");
                json.WriteString("engine_kind", "OSS");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("errors");
            json.WriteStartObject();
            json.WriteNumber("code", 3);
            json.WriteString("level", "warn");
            json.WriteStartArray("type");
            json.WriteStringValue("PartialParsing");
            json.WriteEndArray();
            json.WriteString("message", "Syntax error at line app/legacy.py:10: `\"x\"` was unexpected");
            json.WriteString("path", "app/legacy.py");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("paths");
            json.WriteStartArray("scanned");
            for (var f = 0; f < 500; f++)
            {
                json.WriteStringValue(FilePath(f));
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static byte[] Sarif(int findings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json");
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            json.WriteStartArray("invocations");
            json.WriteStartObject();
            json.WriteBoolean("executionSuccessful", true);
            json.WriteStartArray("toolExecutionNotifications");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("results");
            for (var i = 0; i < findings; i++)
            {
                var rule = i % RuleCount;
                var line = 10 + (i * 7 % 900);
                json.WriteStartObject();
                json.WriteStartObject("fingerprints");
                json.WriteString("matchBasedId/v1", Fingerprint(i));
                json.WriteEndObject();
                json.WriteStartArray("locations");
                json.WriteStartObject();
                json.WriteStartObject("physicalLocation");
                json.WriteStartObject("artifactLocation");
                json.WriteString("uri", FilePath(i));
                json.WriteString("uriBaseId", "%SRCROOT%");
                json.WriteEndObject();
                json.WriteStartObject("region");
                json.WriteNumber("startLine", line);
                json.WriteNumber("startColumn", 5);
                json.WriteNumber("endLine", line);
                json.WriteNumber("endColumn", 48);
                json.WriteStartObject("snippet");
                json.WriteString("text", $"    cursor.execute(\"SELECT * FROM ledger WHERE id = \" + ledger_id_{i})");
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteStartObject("message");
                json.WriteString("text", Message(rule));
                json.WriteEndObject();
                json.WriteStartObject("properties");
                json.WriteEndObject();
                json.WriteString("ruleId", RuleId(rule));
                if (i % 20 == 19)
                {
                    json.WriteStartArray("suppressions");
                    json.WriteStartObject();
                    json.WriteString("kind", "inSource");
                    json.WriteEndObject();
                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", "Semgrep OSS");
            json.WriteString("semanticVersion", "1.97.0");
            json.WriteStartArray("rules");
            for (var r = 0; r < RuleCount; r++)
            {
                json.WriteStartObject();
                json.WriteStartObject("defaultConfiguration");
                json.WriteString("level", SarifLevels[r % SarifLevels.Length]);
                json.WriteEndObject();
                json.WriteStartObject("fullDescription");
                json.WriteString("text", Message(r) + " Use parameterised queries or the ORM's query builder instead.");
                json.WriteEndObject();
                json.WriteString("helpUri", $"https://semgrep.dev/r/{RuleId(r)}");
                json.WriteString("id", RuleId(r));
                json.WriteString("name", RuleId(r));
                json.WriteStartObject("properties");
                json.WriteString("precision", "very-high");
                if (r % 3 != 2)
                {
                    json.WriteString("security-severity", (2.5 + (r % 8)).ToString("0.0", CultureInfo.InvariantCulture));
                }

                json.WriteStartArray("tags");
                json.WriteStringValue("security");
                json.WriteStringValue($"CWE-{89 + (r % 40)}");
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteStartObject("shortDescription");
                json.WriteString("text", $"Semgrep Finding: {RuleId(r)}");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Position(Utf8JsonWriter json, string name, int line, int column, int offset)
    {
        json.WriteStartObject(name);
        json.WriteNumber("line", line);
        json.WriteNumber("col", column);
        json.WriteNumber("offset", offset);
        json.WriteEndObject();
    }

    private static string RuleId(int rule) => $"python.django.security.injection.sql.rule-{rule:D3}.sql-injection-db-cursor-execute";

    private static string Message(int rule) =>
        $"User-controlled data from a request is passed to 'execute()' (rule {rule}). This could lead to a SQL injection and therefore protected information could be leaked.";

    private static string FilePath(int index) => $"{Folders[index % Folders.Length]}/module_{index % 500:D3}.py";

    private static string Fingerprint(int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(index.ToString(CultureInfo.InvariantCulture)))) + "_0";
}
