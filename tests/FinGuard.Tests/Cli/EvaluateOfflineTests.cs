using System.Text.Json;
using FinGuard.Cli;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Cli;

public sealed class EvaluateOfflineTests
{
    private static string Example(string name) => Path.Combine(RepositoryRoot.Path, "docs", "examples", name);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task The_compliant_example_passes_with_exit_0_and_the_documented_json()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("compliant-pull-request"), "--at", "2026-11-23T12:00:00Z", "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("success", json.RootElement.GetProperty("conclusion").GetString());
        var controls = json.RootElement.GetProperty("controls").EnumerateArray().ToList();
        Assert.Equal(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], controls.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(["pass", "pass", "skipped", "skipped", "skipped"], controls.Select(c => c.GetProperty("status").GetString()));
        Assert.All(controls, c => Assert.Empty(c.GetProperty("reasons").EnumerateArray()));
    }

    [Fact]
    public async Task The_non_compliant_example_fails_with_exit_1_and_explains_each_problem()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("non-compliant-pull-request"), "--at", "2026-11-23T12:00:00Z", "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("failure", json.RootElement.GetProperty("conclusion").GetString());
        var controls = json.RootElement.GetProperty("controls").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal("fail", controls["signed-commits"].GetProperty("status").GetString());
        Assert.Contains(controls["signed-commits"].GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("deadbee: Not verified: `unsigned`", StringComparison.Ordinal));
        Assert.Equal("pending", controls["separation-of-duties"].GetProperty("status").GetString());
        var reasons = string.Join('\n', controls["separation-of-duties"].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("reviewer-bob: approved c0ffee1, not the current head deadbee", reasons, StringComparison.Ordinal);
        Assert.Contains("dev-alice: approved deadbee, but does not count", reasons, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scans_example_reads_check_runs_and_scanner_output_and_fails_on_the_unwaived_high_findings()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("pull-request-with-scans"), "--at", "2026-12-03T12:00:00Z", "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var scans = json.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "scan-status");
        Assert.Equal("fail", scans.GetProperty("status").GetString());
        Assert.Equal("Scans on 9a8b7c6: 2 finding(s) at or above high; 1 finding(s) waived.", scans.GetProperty("summary").GetString());
        Assert.Equal(
            ["app/reports.py:88", "web/server.js:23"],
            scans.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!.Split(':', 3) is var p ? $"{p[0]}:{p[1]}" : null));

        // After the waiver expires, the waived critical finding blocks too.
        var (_, later, _) = await RunAsync("evaluate", "--offline", Example("pull-request-with-scans"), "--at", "2027-04-01T00:00:00Z", "--json");
        using var laterJson = JsonDocument.Parse(later);
        var expired = laterJson.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "scan-status");
        Assert.StartsWith("Scans on 9a8b7c6: 3 finding(s) at or above high", expired.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Human_output_renders_the_check_run_text()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("non-compliant-pull-request"), "--at", "2026-11-23T12:00:00Z");

        Assert.Equal(1, exit);
        Assert.StartsWith("failure: 1 of 2 controls failing", output, StringComparison.Ordinal);
        Assert.Contains("### ❌ fail Signed commits", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_directory_is_exit_2_with_a_specific_message()
    {
        var (exit, _, error) = await RunAsync("evaluate", "--offline", "/no/such/folder");

        Assert.Equal(2, exit);
        Assert.Contains("'/no/such/folder' is not a directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_is_exit_2_naming_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            File.Copy(Path.Combine(Example("compliant-pull-request"), "pull.json"), Path.Combine(folder, "pull.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "commits.json"), "[{\"sha\": ");

            var (exit, _, error) = await RunAsync("evaluate", "--offline", folder);

            Assert.Equal(2, exit);
            Assert.Contains("commits.json is not valid JSON", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_time_is_exit_2()
    {
        var (exit, _, error) = await RunAsync("evaluate", "--offline", Example("compliant-pull-request"), "--at", "yesterday");

        Assert.Equal(2, exit);
        Assert.Contains("--at 'yesterday' is not an ISO 8601 date-time", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_policy_file_fails_and_names_the_line()
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Example("compliant-pull-request"), "*.json"))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            await File.WriteAllTextAsync(Path.Combine(folder, "finguard.yml"), "version: 1\nseparation-of-duties:\n  required-approvals: two\n");

            var (exit, output, _) = await RunAsync("evaluate", "--offline", folder, "--json");

            Assert.Equal(1, exit);
            using var json = JsonDocument.Parse(output);
            var policy = json.RootElement.GetProperty("controls").EnumerateArray().First();
            Assert.Equal("policy", policy.GetProperty("id").GetString());
            Assert.Equal("error", policy.GetProperty("status").GetString());
            Assert.Contains(policy.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith(".github/finguard.yml:3:", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A copy of an example in a temporary folder, changed by <paramref name="change"/>; deleted by the caller.</summary>
    private static string CopyOf(string example, Action<string>? change = null)
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        foreach (var file in Directory.GetFiles(Example(example), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(Example(example), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        change?.Invoke(folder);
        return folder;
    }

    private static async Task<(int Exit, Dictionary<string, JsonElement> Controls)> EvaluateJsonAsync(string folder, string at)
    {
        var (exit, output, error) = await RunAsync("evaluate", "--offline", folder, "--at", at, "--json");
        Assert.True(exit is 0 or 1, error);
        using var json = JsonDocument.Parse(output);
        return (exit, json.RootElement.GetProperty("controls").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.Clone()));
    }

    private static List<string> Reasons(JsonElement control) => [.. control.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!)];

    [Fact]
    public async Task The_read_only_approver_example_does_not_count_an_approval_from_a_triage_member()
    {
        var (exit, controls) = await EvaluateJsonAsync(Example("read-only-approver"), "2026-11-23T12:00:00Z");

        Assert.Equal(1, exit);
        Assert.Equal("pending", controls["separation-of-duties"].GetProperty("status").GetString());
        Assert.Contains(
            "reviewer-carol: approved 9a8b7c6, but does not count: has triage (base permission read) access to this repository; only people with write, maintain or admin access can approve",
            Reasons(controls["separation-of-duties"]));
    }

    [Fact]
    public async Task A_reviewer_without_a_permissions_file_has_an_unknown_permission_and_does_not_count()
    {
        var folder = CopyOf("compliant-pull-request", f => File.Delete(Path.Combine(f, "permissions", "reviewer-carol.json")));
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-23T12:00:00Z");

            Assert.Equal(1, exit);
            Assert.Equal("pending", controls["separation-of-duties"].GetProperty("status").GetString());
            Assert.Contains(
                "reviewer-carol: approved 9a8b7c6, but does not count: FinGuard could not read their permission on this repository, so it cannot tell that they may approve (fail closed)",
                Reasons(controls["separation-of-duties"]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Without_require_write_access_the_examples_permissions_are_not_needed()
    {
        var folder = CopyOf("compliant-pull-request", f =>
        {
            Directory.Delete(Path.Combine(f, "permissions"), recursive: true);
            File.AppendAllText(Path.Combine(f, "finguard.yml"), "  require-write-access: false\n");
        });
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-23T12:00:00Z");

            Assert.Equal(0, exit);
            Assert.Equal("pass", controls["separation-of-duties"].GetProperty("status").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_compliant_pull_request_of_more_than_250_commits_passes_when_commits_json_lists_them_all()
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Example("compliant-pull-request"), "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(Example("compliant-pull-request"), file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            // 300 signed commits by the author, the last one the head the reviewers approved.
            var pull = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "pull.json")))!;
            var head = (string)pull["head"]!["sha"]!;
            var template = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "commits.json")))!.AsArray()[^1]!;
            var commits = new System.Text.Json.Nodes.JsonArray([.. Enumerable.Range(1, 300).Select(i =>
            {
                var commit = template.DeepClone();
                commit["sha"] = i == 300 ? head : $"{i:x4}{new string('b', 36)}";
                return commit;
            })]);
            pull["commits"] = 300;
            await File.WriteAllTextAsync(Path.Combine(folder, "pull.json"), pull.ToJsonString());
            await File.WriteAllTextAsync(Path.Combine(folder, "commits.json"), commits.ToJsonString());

            var (exit, output, _) = await RunAsync("evaluate", "--offline", folder, "--at", "2026-11-23T12:00:00Z", "--json");

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(output);
            var controls = json.RootElement.GetProperty("controls").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
            Assert.Equal("All 300 commits have verified signatures.", controls["signed-commits"].GetProperty("summary").GetString());
            Assert.Equal("pass", controls["separation-of-duties"].GetProperty("status").GetString());

            // Above 3000 FinGuard does not read them all: it fails closed and says why.
            pull["commits"] = 3001;
            await File.WriteAllTextAsync(Path.Combine(folder, "pull.json"), pull.ToJsonString());
            var (overExit, over, _) = await RunAsync("evaluate", "--offline", folder, "--at", "2026-11-23T12:00:00Z", "--json");
            Assert.Equal(1, overExit);
            using var overJson = JsonDocument.Parse(over);
            var signed = overJson.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "signed-commits");
            Assert.Equal("error", signed.GetProperty("status").GetString());
            Assert.StartsWith("This pull request has 3001 commits; FinGuard reads at most 3000", signed.GetProperty("summary").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_break_glass_example_does_not_take_a_routine_approval_given_before_the_label_as_the_emergency_approval()
    {
        var (exit, controls) = await EvaluateJsonAsync(Example("break-glass-approved-before-label"), "2026-11-21T11:00:00Z");

        Assert.Equal(1, exit);
        var freeze = controls["freeze-window"];
        Assert.Equal("fail", freeze.GetProperty("status").GetString());
        Assert.Contains(
            "reviewer-carol: does not count for break-glass: approved at 2026-11-21 09:30 UTC, before the break-glass label was applied at 2026-11-21 10:15 UTC; an emergency approval must be given after break-glass is asked for",
            Reasons(freeze));
    }

    /// <summary>The break-glass example with the label added at 08:00, before reviewer-carol's approval: break-glass would hold.</summary>
    private static void LabelledEarly(string folder)
    {
        var path = Path.Combine(folder, "issue-events.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("2026-11-21T10:15:02Z", "2026-11-21T08:00:00Z", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Break_glass_approved_after_the_label_by_a_team_member_who_may_approve_passes_invoked_by_who_added_the_label()
    {
        var folder = CopyOf("break-glass-approved-before-label", LabelledEarly);
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-21T11:00:00Z");

            Assert.Equal(0, exit);
            Assert.Equal("pass", controls["freeze-window"].GetProperty("status").GetString());
            Assert.Contains("Break-glass asked for by oncall-olga.", controls["freeze-window"].GetProperty("summary").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Break_glass_approved_by_a_co_author_fails()
    {
        var folder = CopyOf("break-glass-approved-before-label", f =>
        {
            LabelledEarly(f);
            var path = Path.Combine(f, "commits.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace(
                "Co-authored-by: Dana Pair <dana@users.noreply.github.com>",
                "Co-authored-by: Dana Pair <dana@users.noreply.github.com>\\nCo-authored-by: Carol <9002+reviewer-carol@users.noreply.github.com>",
                StringComparison.Ordinal));
        });
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-21T11:00:00Z");

            Assert.Equal(1, exit);
            Assert.Equal("fail", controls["freeze-window"].GetProperty("status").GetString());
            Assert.Contains("reviewer-carol: does not count for break-glass: co-authored 9a8b7c6", Reasons(controls["freeze-window"]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Break_glass_approved_by_an_excluded_approver_fails()
    {
        var folder = CopyOf("break-glass-approved-before-label", f =>
        {
            LabelledEarly(f);
            var path = Path.Combine(f, "finguard.yml");
            File.WriteAllText(path, File.ReadAllText(path).Replace("  required-approvals: 2\n", "  required-approvals: 1\n  exclude-approvers: [reviewer-carol]\n", StringComparison.Ordinal));
        });
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-21T11:00:00Z");

            Assert.Equal(1, exit);
            Assert.Equal("fail", controls["freeze-window"].GetProperty("status").GetString());
            Assert.Contains("reviewer-carol: does not count for break-glass: is excluded from approving by this policy", Reasons(controls["freeze-window"]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Break_glass_without_issue_events_cannot_be_verified_and_fails_closed()
    {
        var folder = CopyOf("break-glass-approved-before-label", f => File.Delete(Path.Combine(f, "issue-events.json")));
        try
        {
            var (exit, controls) = await EvaluateJsonAsync(folder, "2026-11-21T11:00:00Z");

            Assert.Equal(1, exit);
            Assert.Equal("error", controls["freeze-window"].GetProperty("status").GetString());
            Assert.Contains(Reasons(controls["freeze-window"]), r => r.StartsWith("emergency-change: the pull request's events were not loaded", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_update_merge_example_carries_the_approvals_over_and_without_its_comparisons_they_are_stale()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("approved-before-update-merge"), "--at", "2026-11-23T12:00:00Z", "--json");

        Assert.Equal(0, exit);
        Assert.Contains("reviewer-bob and reviewer-carol approved before GitHub updated the branch from main", output, StringComparison.Ordinal);

        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(Example("approved-before-update-merge"), "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}compare{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(Example("approved-before-update-merge"), file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var (staleExit, staleOutput, _) = await RunAsync("evaluate", "--offline", folder, "--at", "2026-11-23T12:00:00Z", "--json");

            Assert.Equal(1, staleExit);
            using var json = JsonDocument.Parse(staleOutput);
            var duties = json.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "separation-of-duties");
            Assert.Equal("pending", duties.GetProperty("status").GetString());
            Assert.Contains(
                "reviewer-bob: approved 9a8b7c6, not the current head e7f1d2c — ask them to re-approve (not carried over: FinGuard did not read whether e7f1d2c's second parent b3a2c1d is a commit of main)",
                duties.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_reviewer_who_pushed_the_head_example_does_not_count_their_approval()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--offline", Example("reviewer-pushed-the-head"), "--at", "2026-11-23T12:00:00Z", "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var duties = json.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "separation-of-duties");
        Assert.Equal("pending", duties.GetProperty("status").GetString());
        Assert.Contains(
            "reviewer-carol: approved 9a8b7c6, but does not count: pushed the current head 9a8b7c6",
            duties.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Without_head_push_json_the_pusher_is_unknown_and_separation_of_duties_fails_closed()
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Example("compliant-pull-request")).Where(f => Path.GetFileName(f) != "head-push.json"))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            var (exit, output, _) = await RunAsync("evaluate", "--offline", folder, "--at", "2026-11-23T12:00:00Z", "--json");

            Assert.Equal(1, exit);
            using var json = JsonDocument.Parse(output);
            var duties = json.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "separation-of-duties");
            Assert.Equal("error", duties.GetProperty("status").GetString());
            Assert.Equal(
                "FinGuard cannot verify separation of duties (fail closed): it does not know who pushed the current head 9a8b7c6.",
                duties.GetProperty("summary").GetString());

            // A delivery about an older head says nothing about this one.
            var push = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Example("compliant-pull-request"), "head-push.json")))!;
            push["pull_request"]!["head"]!["sha"] = "3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a291";
            await File.WriteAllTextAsync(Path.Combine(folder, "head-push.json"), push.ToJsonString());
            var (olderExit, older, _) = await RunAsync("evaluate", "--offline", folder, "--at", "2026-11-23T12:00:00Z", "--json");
            Assert.Equal(1, olderExit);
            using var olderJson = JsonDocument.Parse(older);
            Assert.Equal("error", olderJson.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "separation-of-duties").GetProperty("status").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
