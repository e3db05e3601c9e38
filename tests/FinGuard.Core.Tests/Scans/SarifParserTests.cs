using FinGuard.Core.Scans;
using static FinGuard.Core.Tests.Scans.ScanJsonBuilder;

namespace FinGuard.Core.Tests.Scans;

public sealed class SarifParserTests
{
    [Theory]
    [InlineData("error", ScanSeverity.High)]
    [InlineData("warning", ScanSeverity.Medium)]
    [InlineData("note", ScanSeverity.Low)]
    [InlineData("none", ScanSeverity.Info)]
    public void A_result_level_maps_without_security_severity(string level, ScanSeverity expected)
    {
        var report = Parsed(Sarif(SarifResult($", \"level\": \"{level}\"")));

        Assert.Equal(new Finding("ExampleScanner", "EX1", expected, "example", "src/a.cs", 3, null), Assert.Single(report.Findings));
        Assert.Equal(ScanFormat.Sarif, report.Format);
        Assert.Equal<string>(["ExampleScanner"], report.Tools);
    }

    [Theory]
    [InlineData("error", ScanSeverity.High)]
    [InlineData("warning", ScanSeverity.Medium)]
    [InlineData("note", ScanSeverity.Low)]
    [InlineData("none", ScanSeverity.Info)]
    public void Without_a_result_level_the_rules_default_level_applies(string level, ScanSeverity expected)
    {
        var report = Parsed(Sarif(SarifResult(), """{"id": "EX1", "defaultConfiguration": {"level": "LEVEL"}}""".Replace("LEVEL", level, StringComparison.Ordinal)));

        Assert.Equal(expected, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void Without_any_level_the_default_is_warning()
    {
        Assert.Equal(ScanSeverity.Medium, Assert.Single(Parsed(Sarif(SarifResult(), """{"id": "EX1"}""")).Findings).Severity);
        Assert.Equal(ScanSeverity.Medium, Assert.Single(Parsed(Sarif(SarifResult(), """{"id": "EX1", "defaultConfiguration": {"enabled": true}}""")).Findings).Severity);
        Assert.Equal(ScanSeverity.Medium, Assert.Single(Parsed(Sarif(SarifResult())).Findings).Severity);
    }

    [Fact]
    public void The_result_level_overrides_the_rules_default_level()
    {
        var report = Parsed(Sarif(SarifResult(", \"level\": \"note\""), """{"id": "EX1", "defaultConfiguration": {"level": "error"}}"""));

        Assert.Equal(ScanSeverity.Low, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void The_rule_is_found_by_rule_index_before_rule_id()
    {
        // ruleIndex 1 names the second rule, whose default is error, though a rule with the same id as ruleId comes first.
        var report = Parsed(Sarif(
            SarifResult(", \"ruleIndex\": 1"),
            """{"id": "EX1", "defaultConfiguration": {"level": "note"}}, {"id": "EX1", "defaultConfiguration": {"level": "error"}}"""));

        Assert.Equal(ScanSeverity.High, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void A_rule_index_without_a_rule_id_names_the_rule()
    {
        var report = Parsed(Sarif(
            """{"ruleIndex": 1, "message": {"text": "m"}}""",
            """{"id": "EX0"}, {"id": "EX1", "defaultConfiguration": {"level": "error"}}"""));

        Assert.Equal(("EX1", ScanSeverity.High), (Assert.Single(report.Findings).RuleId, report.Findings[0].Severity));
    }

    [Fact]
    public void Rule_tool_component_index_selects_an_extension()
    {
        var report = Parsed(Sarif(
            """{"ruleId": "q/one", "rule": {"id": "q/one", "index": 0, "toolComponent": {"index": 1}}, "message": {"text": "m"}}""",
            """{"id": "q/one", "defaultConfiguration": {"level": "note"}}""",
            toolExtra: """, "extensions": [{"name": "pack-a", "rules": [{"id": "q/one", "defaultConfiguration": {"level": "warning"}}]}, {"name": "pack-b", "rules": [{"id": "q/one", "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "9.3"}}]}]"""));

        Assert.Equal(ScanSeverity.Critical, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void Rule_tool_component_name_selects_a_component_and_rule_ids_are_searched_in_extensions()
    {
        const string extensions = """, "extensions": [{"name": "pack-a", "rules": [{"id": "q/two", "defaultConfiguration": {"level": "error"}}]}]""";

        var byName = Parsed(Sarif("""{"rule": {"index": 0, "toolComponent": {"name": "pack-a"}}, "message": {"text": "m"}}""", toolExtra: extensions));
        var byId = Parsed(Sarif("""{"ruleId": "q/two", "message": {"text": "m"}}""", toolExtra: extensions));

        Assert.Equal(("q/two", ScanSeverity.High), (byName.Findings[0].RuleId, byName.Findings[0].Severity));
        Assert.Equal(("q/two", ScanSeverity.High), (byId.Findings[0].RuleId, byId.Findings[0].Severity));
    }

    [Fact]
    public void An_unknown_rule_id_is_a_finding_with_the_default_level()
    {
        var report = Parsed(Sarif(SarifResult(ruleId: "not-in-rules"), """{"id": "EX1", "defaultConfiguration": {"level": "error"}}"""));

        Assert.Equal(("not-in-rules", ScanSeverity.Medium), (report.Findings[0].RuleId, report.Findings[0].Severity));
    }

    [Theory]
    [InlineData("\"10.0\"", ScanSeverity.Critical)]
    [InlineData("\"9.0\"", ScanSeverity.Critical)]
    [InlineData("\"8.9\"", ScanSeverity.High)]
    [InlineData("\"7.0\"", ScanSeverity.High)]
    [InlineData("\"6.9\"", ScanSeverity.Medium)]
    [InlineData("\"4.0\"", ScanSeverity.Medium)]
    [InlineData("\"3.9\"", ScanSeverity.Low)]
    [InlineData("\"0.1\"", ScanSeverity.Low)]
    [InlineData("9.8", ScanSeverity.Critical)]
    [InlineData("7.5", ScanSeverity.High)]
    [InlineData("5", ScanSeverity.Medium)]
    [InlineData("2.2", ScanSeverity.Low)]
    [InlineData("\" 7.5 \"", ScanSeverity.High)]
    public void Rule_security_severity_maps_by_score_over_the_level(string score, ScanSeverity expected)
    {
        var report = Parsed(Sarif(
            SarifResult(", \"level\": \"note\""),
            """{"id": "EX1", "properties": {"security-severity": SCORE, "tags": ["security"]}}""".Replace("SCORE", score, StringComparison.Ordinal)));

        Assert.Equal(expected, Assert.Single(report.Findings).Severity);
    }

    [Theory]
    [InlineData("\"0.0\"", "error", ScanSeverity.High)]
    [InlineData("0", "warning", ScanSeverity.Medium)]
    [InlineData("\"0\"", "note", ScanSeverity.Low)]
    [InlineData("0", "none", ScanSeverity.Info)]
    public void Security_severity_zero_falls_back_to_the_level(string score, string level, ScanSeverity expected)
    {
        var report = Parsed(Sarif(SarifResult($", \"level\": \"{level}\""), """{"id": "EX1", "properties": {"security-severity": SCORE}}""".Replace("SCORE", score, StringComparison.Ordinal)));

        Assert.Equal(expected, Assert.Single(report.Findings).Severity);
    }

    [Fact]
    public void Result_security_severity_is_used_before_the_rules()
    {
        var report = Parsed(Sarif(
            SarifResult(", \"properties\": {\"security-severity\": \"9.5\"}"),
            """{"id": "EX1", "properties": {"security-severity": "2.0"}}"""));

        Assert.Equal(ScanSeverity.Critical, Assert.Single(report.Findings).Severity);
    }

    [Theory]
    [InlineData("\"high\"", "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: \"high\" is not a number (a CVSS-style score from 0.0 to 10.0)")]
    [InlineData("\"11\"", "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: 11 is outside 0.0–10.0")]
    [InlineData("-1", "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: -1 is outside 0.0–10.0")]
    [InlineData("\"NaN\"", "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: NaN is outside 0.0–10.0")]
    [InlineData("true", "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: expected a number from 0.0 to 10.0 (or such a number as a string), found true")]
    public void An_unusable_security_severity_is_a_format_error(string score, string message)
    {
        var error = Failed(Sarif(SarifResult(), """{"id": "EX1", "properties": {"security-severity": SCORE}}""".Replace("SCORE", score, StringComparison.Ordinal)));

        Assert.Equal(ScanFormat.Sarif, error.Format);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("pass")]
    [InlineData("notApplicable")]
    [InlineData("open")]
    [InlineData("review")]
    [InlineData("informational")]
    public void Results_whose_kind_is_not_fail_are_not_findings(string kind)
    {
        var report = Parsed(Sarif(SarifResult($", \"kind\": \"{kind}\", \"level\": \"none\"") + "," + SarifResult(", \"kind\": \"fail\", \"level\": \"error\"")));

        Assert.Equal(ScanSeverity.High, Assert.Single(report.Findings).Severity);
        Assert.Equal(0, report.Suppressed);
    }

    [Theory]
    [InlineData("""[{"kind": "inSource"}]""", true)]
    [InlineData("""[{"kind": "external", "status": "accepted", "justification": "risk accepted"}]""", true)]
    [InlineData("""[{"kind": "inSource"}, {"kind": "external", "status": "accepted"}]""", true)]
    [InlineData("""[{"kind": "external", "status": "underReview"}]""", false)]
    [InlineData("""[{"kind": "external", "status": "rejected"}]""", false)]
    [InlineData("""[{"kind": "inSource", "status": "accepted"}, {"kind": "external", "status": "rejected"}]""", false)]
    [InlineData("""[]""", false)]
    [InlineData("""null""", false)]
    public void Accepted_suppressions_are_counted_not_reported(string suppressions, bool suppressed)
    {
        var report = Parsed(Sarif(SarifResult($", \"suppressions\": {suppressions}")));

        Assert.Equal(suppressed ? 0 : 1, report.Findings.Length);
        Assert.Equal(suppressed ? 1 : 0, report.Suppressed);
    }

    [Fact]
    public void A_suppressed_result_that_is_not_a_failure_is_neither()
    {
        var report = Parsed(Sarif(SarifResult(", \"kind\": \"pass\", \"suppressions\": [{\"kind\": \"inSource\"}]")));

        Assert.Empty(report.Findings);
        Assert.Equal(0, report.Suppressed);
    }

    [Fact]
    public void Message_text_or_a_rule_message_string_by_id()
    {
        var report = Parsed(Sarif(
            """{"ruleId": "EX1", "message": {"id": "default", "arguments": ["x"]}}, {"ruleId": "EX1", "message": {"id": "missing"}}""",
            """{"id": "EX1", "messageStrings": {"default": {"text": "Referenced text {0}"}}}"""));

        Assert.Equal(["Referenced text {0}", "missing"], report.Findings.Select(f => f.Message));
    }

    [Fact]
    public void Location_and_fingerprint_are_optional_and_partial_fingerprints_come_first()
    {
        var report = Parsed(Sarif("""
            {"ruleId": "A", "message": {"text": "m"}},
            {"ruleId": "B", "message": {"text": "m"}, "locations": []},
            {"ruleId": "C", "message": {"text": "m"}, "locations": [{"logicalLocations": [{"name": "Main"}]}]},
            {"ruleId": "D", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "x.cs"}}}], "fingerprints": {"v1": "full"}},
            {"ruleId": "E", "message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 9}}}], "fingerprints": {"v1": "full"}, "partialFingerprints": {"hash/v1": "partial", "other": "x"}},
            {"ruleId": "F", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 2}}}]}
            """, runExtra: """, "artifacts": [{"location": {"uri": "from/artifacts.cs"}}]"""));

        Assert.Equal(
            [("A", null, null, null), ("B", null, null, null), ("C", null, null, null), ("D", "x.cs", null, "full"), ("E", null, 9, "partial"), ("F", "from/artifacts.cs", 2, null)],
            report.Findings.Select(f => (f.RuleId, f.Path, f.Line, f.Fingerprint)));
    }

    [Fact]
    public void Tools_are_the_driver_names_in_order_without_repeats()
    {
        var report = Parsed("""
            {"version": "2.1.0", "runs": [
              {"tool": {"driver": {"name": "Trivy"}}, "results": []},
              {"tool": {"driver": {"name": "CodeQL"}}, "results": [{"ruleId": "x", "level": "error", "message": {"text": "m"}}]},
              {"tool": {"driver": {"name": "Trivy"}}, "results": [{"ruleId": "y", "level": "note", "message": {"text": "m"}}]}
            ]}
            """);

        Assert.Equal<string>(["Trivy", "CodeQL"], report.Tools);
        Assert.Equal([("CodeQL", "x"), ("Trivy", "y")], report.Findings.Select(f => (f.Tool, f.RuleId)));
    }

    [Fact]
    public void Empty_runs_is_a_valid_empty_report()
    {
        var report = Parsed("""{"version": "2.1.0", "runs": []}""");

        Assert.Empty(report.Tools);
        Assert.Empty(report.Findings);
        Assert.Empty(report.ToolErrors);
    }

    [Fact]
    public void Error_notifications_and_unsuccessful_execution_are_tool_errors()
    {
        var report = Parsed(Sarif("", runExtra: """
            , "invocations": [
              {"executionSuccessful": false, "exitCode": 2,
               "toolExecutionNotifications": [
                 {"level": "error", "message": {"text": "crashed parsing b.js"}},
                 {"level": "warning", "message": {"text": "slow file c.js"}},
                 {"message": {"text": "no level means warning"}},
                 {"level": "note", "message": {"text": "noted"}},
                 {"level": "none", "message": {"text": ""}},
                 {"level": "error", "descriptor": {"id": "cli/no-message"}, "message": {}}
               ],
               "toolConfigurationNotifications": [{"level": "error", "message": {"text": "rule pack not found"}}]},
              {"executionSuccessful": false},
              {"executionSuccessful": false, "exitSignalName": "SIGKILL"},
              {"executionSuccessful": true}
            ]
            """));

        Assert.Equal(
            [
                "the tool reported that its execution was not successful (exit code 2)",
                "rule pack not found",
                "crashed parsing b.js",
                "cli/no-message",
                "the tool reported that its execution was not successful",
                "the tool reported that its execution was not successful (SIGKILL)",
            ],
            report.ToolErrors.Select(e => e.Message));
        Assert.Equal(["slow file c.js", "no level means warning"], report.ToolWarnings.Select(e => e.Message));
    }

    [Fact]
    public void A_run_without_results_is_a_tool_error()
    {
        var withoutResults = Parsed("""{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}}]}""");
        var withNullResults = Parsed("""{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}, "results": null}]}""");

        Assert.Equal("Trivy: the run has no results array: the tool did not complete its analysis", Assert.Single(withoutResults.ToolErrors).ToString());
        Assert.Single(withNullResults.ToolErrors);
    }

    [Theory]
    [InlineData("""{"runs": [{"results": []}], "version": "2.1.0"}""", "runs[0].tool: required, expected an object")]
    [InlineData("""{"runs": [{"tool": {}, "results": []}], "version": "2.1.0"}""", "runs[0].tool.driver: required, expected an object")]
    [InlineData("""{"runs": [{"tool": {"driver": {}}, "results": []}], "version": "2.1.0"}""", "runs[0].tool.driver.name: required, expected a string")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": {}}], "version": "2.1.0"}""", "runs[0].results: expected an array, found an object")]
    [InlineData("""{"runs": [7], "version": "2.1.0"}""", "runs[0]: expected an object, found the number 7")]
    [InlineData("""{"runs": {}, "version": "2.1.0"}""", "runs: expected an array, found an object")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "level": "critical", "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].level: \"critical\" is not a SARIF level (none, note, warning, error)")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "kind": "failed", "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].kind: \"failed\" is not a SARIF result kind (pass, open, informational, notApplicable, review, fail)")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "suppressions": [{"status": "approved"}]}]}], "version": "2.1.0"}""", "runs[0].results[0].suppressions[0].status: \"approved\" is not a SARIF suppression status (accepted, underReview, rejected)")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x"}]}], "version": "2.1.0"}""", "runs[0].results[0].message: required, expected an object")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {}}]}], "version": "2.1.0"}""", "runs[0].results[0].message: has neither text nor id")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0]: has no ruleId, rule.id or ruleIndex, so the finding cannot be attributed to a rule")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T", "rules": [{"id": "a"}]}}, "results": [{"ruleIndex": 1, "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].ruleIndex: 1 is out of range: runs[0].tool.driver.rules has 1 rules")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleIndex": 0, "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].ruleIndex: 0 is out of range: runs[0].tool.driver.rules has 0 rules")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"rule": {"index": 0, "toolComponent": {"index": 0}}, "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].rule.toolComponent.index: 0 is out of range: tool.extensions has 0 entries")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"rule": {"id": "x", "toolComponent": {"name": "nope"}}, "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].rule.toolComponent.name: no tool component is named \"nope\"")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T", "rules": [{"name": "no id"}]}}, "results": [{"ruleId": "x", "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].tool.driver.rules[0].id: required, expected a string")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "ruleIndex": 1.5, "message": {"text": "m"}}]}], "version": "2.1.0"}""", "runs[0].results[0].ruleIndex: expected an integer of at least -1, found the number 1.5")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}], "version": "2.1.0"}""", "runs[0].results[0].locations[0].physicalLocation.region.startLine: 0 is less than 1")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"index": 3}}}]}]}], "version": "2.1.0"}""", "runs[0].results[0].locations[0].physicalLocation.artifactLocation.index: 3 is out of range: the run has 0 artifacts")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "partialFingerprints": {"a": 1}}]}], "version": "2.1.0"}""", "runs[0].results[0].partialFingerprints[\"a\"]: expected a string, found the number 1")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "invocations": [{"executionSuccessful": "no"}], "results": []}], "version": "2.1.0"}""", "runs[0].invocations[0].executionSuccessful: expected true or false, found the string \"no\"")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "invocations": [{"toolExecutionNotifications": [{"level": "fatal", "message": {"text": "m"}}]}], "results": []}], "version": "2.1.0"}""", "runs[0].invocations[0].toolExecutionNotifications[0].level: \"fatal\" is not a SARIF level (none, note, warning, error)")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": 5}}]}], "version": "2.1.0"}""", "runs[0].results[0].message.text: expected a string, found the number 5")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "\ud800"}}]}], "version": "2.1.0"}""", "runs[0].results[0].message.text: the string is not valid Unicode text (an unpaired surrogate escape)")]
    [InlineData("""{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "locations": [{"physicalLocation": []}]}]}], "version": "2.1.0"}""", "runs[0].results[0].locations[0].physicalLocation: expected an object, found an array")]
    public void Needed_fields_are_checked_strictly(string json, string message)
    {
        var error = Failed(json);

        Assert.Equal(ScanFormat.Sarif, error.Format);
        Assert.Equal(message, error.Message);
        Assert.Equal($"SARIF 2.1.0: {message}", error.ToString());
    }

    [Fact]
    public void Suppressed_results_are_not_checked_beyond_what_suppression_needs()
    {
        var report = Parsed(Sarif("""{"level": "bogus", "suppressions": [{"kind": "inSource"}]}"""));

        Assert.Equal(1, report.Suppressed);
    }

    [Fact]
    public void Unneeded_fields_may_have_any_shape()
    {
        var report = Parsed("""
            {"version": "2.1.0", "inlineExternalProperties": 5, "properties": [],
             "runs": [{"tool": {"driver": {"name": "T", "version": 3, "rules": [{"id": "x", "help": 7, "properties": {"tags": "security"}}]}},
                       "originalUriBaseIds": "x", "columnKind": 1, "automationDetails": [], "taxonomies": {},
                       "results": [{"ruleId": "x", "level": "error", "message": {"text": "m", "markdown": 1}, "codeFlows": "deep", "relatedLocations": 4,
                                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a", "uriBaseId": 9}, "region": {"startLine": 1, "snippet": []}}}]}]}]}
            """);

        Assert.Equal(ScanSeverity.High, Assert.Single(report.Findings).Severity);
    }
}
