using System.Net;
using System.Net.Sockets;
using FinGuard.Cli;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Cli;

/// <summary>
/// What every command does the same way: <c>--help</c>/<c>-h</c> prints that command's help and exits 0 before the
/// command does anything; dates are ISO 8601 only.
/// </summary>
public sealed class CommandLineConventionsTests : IDisposable
{
    private readonly string work = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(work);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("serve", "finguard serve [--urls URL]")]
    [InlineData("config", "finguard config validate FILE")]
    [InlineData("evaluate", "finguard evaluate --offline DIR")]
    [InlineData("evidence", "finguard evidence export")]
    [InlineData("scans", "finguard scans summarize FILE")]
    [InlineData("deliveries", "finguard deliveries list")]
    [InlineData("demo", "finguard demo [--dir DIR]")]
    [InlineData("version", "finguard serve")]
    public async Task Help_on_every_command_prints_its_help_and_exits_0(string command, string expected)
    {
        foreach (var flag in new[] { "--help", "-h" })
        {
            // serve --help must return at once instead of starting a server; a timeout here means it did not.
            var run = RunAsync(command, flag);
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.Same(run, finished);
            var (exit, output, error) = await run;
            Assert.True(exit == 0, $"{command} {flag}: exit {exit}: {error}");
            Assert.Contains(expected, output, StringComparison.Ordinal);
            Assert.Equal("", error);
        }
    }

    [Theory]
    [InlineData("config", "validate", "--help")]
    [InlineData("evidence", "export", "--help")]
    [InlineData("evidence", "verify", "-h")]
    [InlineData("scans", "summarize", "--help")]
    [InlineData("deliveries", "retry", "--help")]
    [InlineData("evaluate", "--offline", "-h")]
    public async Task Help_on_a_subcommand_prints_the_commands_help_and_exits_0(string command, string subcommand, string flag)
    {
        var (exit, output, error) = await RunAsync(command, subcommand, flag);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains($"finguard {command}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_help_lists_every_file_the_folder_may_hold()
    {
        var (_, output, _) = await RunAsync("evaluate", "--help");

        foreach (var file in new[] { "pull.json", "commits.json", "reviews.json", "team-members.json", "finguard.yml", "org-finguard.yml", "check-runs.json", "scans/ARTIFACT/FILE", "permissions/LOGIN.json", "issue-events.json", "head-push.json" })
        {
            Assert.Contains(file, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("08/12/2026")]
    [InlineData("12/08/2026")]
    [InlineData("8 Dec 2026")]
    [InlineData("2026-12-08 15:00")]
    [InlineData("2026-12-08T15:00:00")]
    [InlineData("20261208")]
    public async Task Export_refuses_dates_that_are_not_ISO_8601_with_an_example(string date)
    {
        var (exit, _, error) = await RunAsync(
            "evidence", "export", "--repo", "acme/payments", "--from", date, "--out", Path.Combine(work, "out.zip"),
            $"--Storage:LocalPath={Path.Combine(work, "store")}");

        Assert.Equal(2, exit);
        Assert.Contains($"--from '{date}' is not an ISO 8601 date or instant", error, StringComparison.Ordinal);
        Assert.Contains("2026-03-14 (year-month-day)", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(work, "out.zip")));
    }

    [Theory]
    [InlineData("2026-12-08", "2026-12-08T00:00:00+00:00")]
    [InlineData("2026-12-08T15:00Z", "2026-12-08T15:00:00+00:00")]
    [InlineData("2026-12-08T15:00:00Z", "2026-12-08T15:00:00+00:00")]
    [InlineData("2026-12-08T16:00:00.5+01:00", "2026-12-08T15:00:00.5+00:00")]
    public void ISO_8601_dates_and_instants_with_an_offset_are_read_exactly(string text, string expected)
    {
        DateTimeOffset value;
        if (IsoDates.TryParseDate(text, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else
        {
            Assert.True(IsoDates.TryParseInstant(text, out value), text);
        }

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Fact]
    public async Task Serve_on_a_port_in_use_names_it_and_how_to_pick_another_and_exits_1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var run = RunAsync("serve", $"--urls=http://127.0.0.1:{port}", $"--Storage:LocalPath={Path.Combine(work, "store")}");
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))));
        var (exit, _, error) = await run;

        Assert.Equal(1, exit);
        Assert.StartsWith($"finguard serve: cannot listen on http://127.0.0.1:{port}: the address is already in use", error, StringComparison.Ordinal);
        Assert.Contains("--urls http://127.0.0.1:5081", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
