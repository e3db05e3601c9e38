using System.Text.Json;
using FinGuard.Cli;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Cli;

/// <summary><c>finguard evaluate deployment --offline DIR</c> on the worked examples of docs/examples/ and copies with files removed.</summary>
public sealed class EvaluateDeploymentOfflineTests
{
    private const string At = "2026-11-23T12:30:00Z";

    private static string Example(string name) => Path.Combine(RepositoryRoot.Path, "docs", "examples", name);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A copy of an example folder, to remove or change files in.</summary>
    private static string Copy(string example)
    {
        var target = Path.Combine(Infrastructure.TempDirectory.Create(), example);
        foreach (var file in Directory.EnumerateFiles(Example(example), "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Example(example), file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    private static Dictionary<string, JsonElement> Controls(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("controls").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.Clone());
    }

    [Fact]
    public async Task The_approved_example_is_approved_with_exit_0()
    {
        var (exit, output, error) = await RunAsync("evaluate", "deployment", "--offline", Example("deployment-approved"), "--at", At, "--json");

        Assert.True(exit == 0, output + error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("approved", json.RootElement.GetProperty("verdict").GetString());
        var controls = Controls(output);
        Assert.Equal("pass", controls["chain-of-custody"].GetProperty("status").GetString());
        Assert.Equal("`9a8b7c6` is the head of pull request #1701, which FinGuard passed (evaluated at deployment time).", controls["chain-of-custody"].GetProperty("summary").GetString());
        Assert.Equal("pass", controls["deployment-separation-of-duties"].GetProperty("status").GetString());
        Assert.Equal("pass", controls["allowed-refs"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_rejected_example_is_rejected_because_its_pull_request_fails()
    {
        var (exit, output, _) = await RunAsync("evaluate", "deployment", "--offline", Example("deployment-rejected"), "--at", At);

        Assert.Equal(1, exit);
        Assert.StartsWith("rejected: Deployment of deadbee to production rejected", output, StringComparison.Ordinal);
        Assert.Contains("`#1702` head deadbee: FinGuard's latest decision evaluated at deployment time did not pass (signed-commits:fail+separation-of-duties:pending)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_pull_request_folder_there_is_no_decision_and_the_chain_of_custody_fails()
    {
        var folder = Copy("deployment-approved");
        Directory.Delete(Path.Combine(folder, "pull-requests"), recursive: true);

        var (exit, output, _) = await RunAsync("evaluate", "deployment", "--offline", folder, "--at", At, "--json");

        Assert.Equal(1, exit);
        var custody = Controls(output)["chain-of-custody"];
        Assert.Equal("fail", custody.GetProperty("status").GetString());
        Assert.Contains(custody.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("FinGuard has no decision about this head", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pull_request_folder_about_another_head_does_not_vouch_for_the_deployed_commit()
    {
        var folder = Copy("deployment-approved");
        var pull = Path.Combine(folder, "pull-requests", "1701", "pull.json");
        await File.WriteAllTextAsync(pull, (await File.ReadAllTextAsync(pull)).Replace("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a09", "1111111d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a09", StringComparison.Ordinal));

        var (exit, output, _) = await RunAsync("evaluate", "deployment", "--offline", folder, "--at", At, "--json");

        Assert.Equal(1, exit);
        Assert.Equal("fail", Controls(output)["chain-of-custody"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_a_reviewers_permission_file_their_approval_does_not_count()
    {
        var folder = Copy("deployment-approved");
        File.Delete(Path.Combine(folder, "permissions", "reviewer-carol.json"));

        var (exit, output, _) = await RunAsync("evaluate", "deployment", "--offline", folder, "--at", At, "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("waiting", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("pending", Controls(output)["deployment-separation-of-duties"].GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("approvals.json")]
    [InlineData("workflow-run.json")]
    [InlineData("commit-pulls.json")]
    [InlineData("deployment_protection_rule.json")]
    public async Task A_missing_required_file_is_bad_input_naming_it(string file)
    {
        var folder = Copy("deployment-approved");
        File.Delete(Path.Combine(folder, file));

        var (exit, output, error) = await RunAsync("evaluate", "deployment", "--offline", folder, "--at", At);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains($"{file} is missing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_tag_refs_a_short_ref_is_unknown_and_refused_not_taken_for_a_branch()
    {
        var folder = Copy("deployment-approved");
        File.Delete(Path.Combine(folder, "tag-refs.json"));

        var (exit, _, error) = await RunAsync("evaluate", "deployment", "--offline", folder, "--at", At);

        Assert.Equal(2, exit);
        Assert.Contains("tag-refs.json is missing", error, StringComparison.Ordinal);
        Assert.Contains("matching-refs/tags/main", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_help_lists_the_deployment_files()
    {
        var (exit, output, _) = await RunAsync("evaluate", "--help");

        Assert.Equal(0, exit);
        foreach (var file in new[] { "deployment_protection_rule.json", "workflow-run.json", "approvals.json", "commit-pulls.json", "tag-refs.json", "pull-requests/N/" })
        {
            Assert.Contains(file, output, StringComparison.Ordinal);
        }
    }
}
