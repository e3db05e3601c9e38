using System.ComponentModel.DataAnnotations;
using FinGuard.GitHub.Auth;

namespace FinGuard.GitHub.Tests.Auth;

public sealed class GitHubAppOptionsTests
{
    [Fact]
    public void ToString_shows_settings_but_never_the_private_key_or_webhook_secret()
    {
        var pem = TestAppKey.PrivateKeyPem;
        var options = new GitHubAppOptions
        {
            AppId = "123456",
            PrivateKey = pem,
            PrivateKeyPath = "/secrets/app.pem",
            WebhookSecret = "s3cr3t-webhook-value",
        };

        var text = options.ToString();

        Assert.Contains("123456", text, StringComparison.Ordinal);
        Assert.Contains("/secrets/app.pem", text, StringComparison.Ordinal);
        Assert.Contains("https://api.github.com/", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain(pem.Split('\n')[1], text, StringComparison.Ordinal);
        Assert.Contains("WebhookSecret = (set, redacted)", text, StringComparison.Ordinal);
        Assert.Contains("PrivateKey = (set, redacted)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_says_when_secrets_are_not_set()
    {
        Assert.Contains("WebhookSecret = (not set)", new GitHubAppOptions().ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "pem", null, true)]
    [InlineData("1", null, "/k.pem", true)]
    [InlineData("1", null, null, false)]
    [InlineData(null, "pem", null, false)]
    [InlineData(" ", "pem", "/k.pem", false)]
    public void HasAppCredentials_needs_an_app_id_and_a_key(string? appId, string? privateKey, string? privateKeyPath, bool expected)
    {
        var options = new GitHubAppOptions { AppId = appId, PrivateKey = privateKey, PrivateKeyPath = privateKeyPath };

        Assert.Equal(expected, options.HasAppCredentials);
    }

    [Theory]
    [InlineData("https://api.github.com", "https://api.github.com/")]
    [InlineData("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/")]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5000/")]
    public void GetApiBaseAddress_always_ends_with_a_slash(string configured, string expected)
    {
        var options = new GitHubAppOptions { ApiBaseUrl = new Uri(configured) };

        Assert.Equal(expected, options.GetApiBaseAddress().AbsoluteUri);
    }

    [Fact]
    public void Validate_reports_an_app_id_without_a_key_by_setting_name()
    {
        var options = new GitHubAppOptions { AppId = "1" };

        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        var result = Assert.Single(results);
        Assert.Contains("GitHub:PrivateKey", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("GitHub:PrivateKeyPath", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_defaults_and_full_credentials()
    {
        var defaults = new GitHubAppOptions();
        var options = new GitHubAppOptions { AppId = "1", PrivateKeyPath = "/k.pem" };

        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), null, true));
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), null, true));
    }
}
