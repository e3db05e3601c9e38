using System.Security.Cryptography;
using FinGuard.GitHub.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FinGuard.GitHub.Tests.Auth;

public sealed class AppJwtFactoryTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void GetJwt_creates_an_RS256_token_with_iat_60s_back_exp_9min_ahead_and_iss_app_id()
    {
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "123456", PrivateKey = TestAppKey.PrivateKeyPem });

        var token = new JsonWebToken(factory.GetJwt());

        Assert.Equal("RS256", token.Alg);
        Assert.Equal("123456", token.Issuer);
        Assert.Equal(Start.AddSeconds(-60).ToUnixTimeSeconds(), token.GetPayloadValue<long>("iat"));
        Assert.Equal(Start.AddMinutes(9).ToUnixTimeSeconds(), token.GetPayloadValue<long>("exp"));
        Assert.True(token.GetPayloadValue<long>("exp") - token.GetPayloadValue<long>("iat") <= 600, "GitHub rejects JWTs that live longer than 10 minutes");
        Assert.False(token.TryGetPayloadValue<long>("nbf", out _), "no nbf taken from the real clock");
    }

    [Fact]
    public async Task GetJwt_signature_validates_with_the_app_public_key_only()
    {
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "123456", PrivateKey = TestAppKey.PrivateKeyPem });
        using var otherKey = RSA.Create(2048);
        using var publicKey = TestAppKey.CreatePublicKey();
        var jwt = factory.GetJwt();
        var handler = new JsonWebTokenHandler();

        var valid = await handler.ValidateTokenAsync(jwt, ValidationFor(new RsaSecurityKey(publicKey)));
        var forged = await handler.ValidateTokenAsync(jwt, ValidationFor(new RsaSecurityKey(otherKey.ExportParameters(includePrivateParameters: false))));

        Assert.True(valid.IsValid, valid.Exception?.Message);
        Assert.False(forged.IsValid);
    }

    [Fact]
    public void GetJwt_reuses_the_token_until_one_minute_before_exp_then_makes_a_new_one()
    {
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "123456", PrivateKey = TestAppKey.PrivateKeyPem });
        var first = factory.GetJwt();

        _time.Advance(TimeSpan.FromMinutes(8) - TimeSpan.FromSeconds(1));
        var stillCached = factory.GetJwt();
        _time.Advance(TimeSpan.FromSeconds(1));
        var renewed = factory.GetJwt();

        Assert.Same(first, stillCached);
        Assert.NotEqual(first, renewed);
        var token = new JsonWebToken(renewed);
        Assert.Equal(Start.AddMinutes(8).AddSeconds(-60).ToUnixTimeSeconds(), token.GetPayloadValue<long>("iat"));
        Assert.Equal(Start.AddMinutes(17).ToUnixTimeSeconds(), token.GetPayloadValue<long>("exp"));
    }

    [Fact]
    public void A_factory_still_signs_after_another_factory_with_the_same_key_was_disposed()
    {
        var options = new GitHubAppOptions { AppId = "123456", PrivateKey = TestAppKey.PrivateKeyPem };
        var first = CreateFactory(options);
        first.GetJwt();
        first.Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));

        using var second = CreateFactory(options);

        Assert.Equal("RS256", new JsonWebToken(second.GetJwt()).Alg);
        Assert.Throws<ObjectDisposedException>(first.GetJwt);
    }

    [Fact]
    public void GetJwt_reads_a_pkcs8_key_from_PrivateKeyPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"finguard-test-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, TestAppKey.Pkcs8PrivateKeyPem);
        try
        {
            using var factory = CreateFactory(new GitHubAppOptions { AppId = "Iv23liClientId", PrivateKeyPath = path });

            var token = new JsonWebToken(factory.GetJwt());

            Assert.Equal("Iv23liClientId", token.Issuer);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void GetJwt_accepts_a_pem_with_escaped_newlines_as_environment_variables_hold_it()
    {
        var oneLine = TestAppKey.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal);
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "1", PrivateKey = oneLine });

        Assert.Equal("RS256", new JsonWebToken(factory.GetJwt()).Alg);
    }

    [Fact]
    public void GetJwt_without_app_id_names_the_setting()
    {
        using var factory = CreateFactory(new GitHubAppOptions { PrivateKey = TestAppKey.PrivateKeyPem });

        var error = Assert.Throws<GitHubAuthException>(factory.GetJwt);

        Assert.Contains("GitHub:AppId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetJwt_without_a_key_names_both_settings()
    {
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "1" });

        var error = Assert.Throws<GitHubAuthException>(factory.GetJwt);

        Assert.Contains("GitHub:PrivateKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("GitHub:PrivateKeyPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetJwt_with_a_bad_pem_names_the_setting_without_echoing_the_key_material()
    {
        var pem = TestAppKey.PrivateKeyPem;
        var damaged = pem.Replace(pem.Split('\n')[3], "!!!!notbase64!!!!", StringComparison.Ordinal);
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "1", PrivateKey = damaged });

        var error = Assert.Throws<GitHubAuthException>(factory.GetJwt);

        Assert.Contains("GitHub:PrivateKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(pem.Split('\n')[1], error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("notbase64", error.ToString(), StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void GetJwt_with_a_missing_key_file_names_the_setting_and_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"finguard-missing-{Guid.NewGuid():N}.pem");
        using var factory = CreateFactory(new GitHubAppOptions { AppId = "1", PrivateKeyPath = path });

        var error = Assert.Throws<GitHubAuthException>(factory.GetJwt);

        Assert.Contains("GitHub:PrivateKeyPath", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private AppJwtFactory CreateFactory(GitHubAppOptions options) => new(Options.Create(options), _time);

    private static TokenValidationParameters ValidationFor(SecurityKey key) => new()
    {
        IssuerSigningKey = key,
        ValidIssuer = "123456",
        ValidateAudience = false,
        ValidateLifetime = false, // the token is dated by the fake clock
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
    };
}
