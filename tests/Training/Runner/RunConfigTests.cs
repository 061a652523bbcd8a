using System.Text.Json;
using Robotics.Training.Algorithms;
using Robotics.Training.Devices;
using Robotics.Training.Models;
using Robotics.Training.Runner;

namespace Robotics.Training.Tests.Runner;

/// <summary>
/// An algorithm's settings for one run (<c>train --set algorithm.key=value</c>), config.json as one record (old
/// files included), and progress.csv read by its header.
/// </summary>
public class RunConfigTests
{
    private static string Repo(string path) => TestPaths.Repo(path);

    public static TheoryData<string> Algorithms => new(AlgorithmCatalog.Names);

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Every_key_of_every_algorithm_takes_its_default_back(string name)
    {
        // Setting each key to its default value parses, validates and changes nothing: every key is reachable.
        var entry = AlgorithmCatalog.Get(name);
        var defaults = JsonSerializer.SerializeToElement(entry.Configure(Array.Empty<string>()), entry.ConfigType);
        foreach (var (key, _) in ConfigOverrides.Keys(entry.ConfigType))
        {
            var value = key.Split('.').Aggregate(defaults, (e, part) => e.EnumerateObject().First(p => ConfigOverrides.SnakeCase(p.Name) == part).Value);
            string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            var config = AlgorithmCatalog.Configure(name, new[] { $"{key}={text}" });
            Assert.Equal(defaults.GetRawText(), JsonSerializer.SerializeToElement(config, entry.ConfigType).GetRawText());
        }
    }

    [Fact]
    public void Settings_reach_each_algorithms_own_hyperparameters()
    {
        var ppo = (PpoConfig)AlgorithmCatalog.Configure("ppo", new[] { "clip_param=0.1", "epochs=3", "minibatches=2", "desired_kl=0.02", "schedule=linear", "learning_rate=3e-4", "entropy_coef=0" });
        Assert.Equal((0.1, 3, 2, 0.02, LearningRateSchedule.Linear, 3e-4, 0.0), (ppo.ClipParam, ppo.Epochs, ppo.Minibatches, ppo.DesiredKl, ppo.Schedule, ppo.LearningRate, ppo.EntropyCoef));
        var trpo = (TrpoConfig)AlgorithmCatalog.Configure("trpo", new[] { "max_kl=0.02", "cg_iterations=5", "max_backtracks=3", "value_fit.epochs=10", "regularizers.entropy_coef=0.01", "ScaleRewards=true" });
        Assert.Equal((0.02, 5, 3, 10, 0.01, true), (trpo.MaxKl, trpo.CgIterations, trpo.MaxBacktracks, trpo.ValueFit.Epochs, trpo.Regularizers.EntropyCoef, trpo.ScaleRewards));
        var npg = (NpgConfig)AlgorithmCatalog.Configure("npg", new[] { "cg_iterations=4", "damping=0.2" });
        Assert.Equal((4, 0.2), (npg.CgIterations, npg.Damping));
        var reinforce = (ReinforceConfig)AlgorithmCatalog.Configure("reinforce", new[] { "baseline=\"constant\"", "optimizer=sgd", "learning_rate=0.01" });
        Assert.Equal((ReinforceBaseline.Constant, ReinforceOptimizer.Sgd, 0.01), (reinforce.Baseline, reinforce.Optimizer, reinforce.LearningRate));
        var grpo = (GrpoConfig)AlgorithmCatalog.Configure("grpo", new[] { "group_size=4", "kl_coef=0.05", "reference_refresh_every=0" });
        Assert.Equal((4, 0.05, 0), (grpo.GroupSize, grpo.KlCoef, grpo.ReferenceRefreshEvery));
    }

    [Theory]
    [InlineData("ppo", "clip=0.1", "algorithm.clip", "clip_param")]                   // unknown key: the known ones are listed
    [InlineData("ppo", "epochs=abc", "algorithm.epochs", "an integer")]             // wrong type
    [InlineData("ppo", "clip_param=5", "algorithm.clip_param", "allowed (0, 1)")]   // out of range, through the record's own check
    [InlineData("ppo", "schedule=cosine", "algorithm.schedule", "adaptive, fixed or linear")]
    [InlineData("ppo", "normalize_advantages=1", "algorithm.normalize_advantages", "true or false")]
    [InlineData("trpo", "value_fit=3", "algorithm.value_fit", "value_fit.epochs")]  // a table is not a value
    [InlineData("trpo", "value_fit.epochs=0", "algorithm.value_fit.epochs", "must be ≥ 1")]
    [InlineData("npg", "cg_iterations=2.5", "algorithm.cg_iterations", "an integer")]
    [InlineData("reinforce", "baseline=3", "algorithm.baseline", "none, constant or value")]   // a choice: its names are listed
    [InlineData("reinforce", "return=partial", "algorithm.return", "reward_to_go or full")]
    [InlineData("reinforce", "optimizer=Adam", "algorithm.optimizer", "adam or sgd")]         // snake_case names only
    [InlineData("grpo", "schedule=adaptive", "algorithm.schedule", "fixed or linear")]       // a schedule GRPO does not have
    [InlineData("grpo", "group_size=1", "algorithm.group_size", "must be ≥ 2")]
    [InlineData("grpo", "kl_coef", "algorithm.kl_coef", "key=value")]
    public void A_bad_setting_names_its_key(string algorithm, string setting, string key, string why)
    {
        var e = Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Algorithm = algorithm, AlgorithmSettings = new[] { setting } }.Validate());
        Assert.Contains(key, e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Choices_are_written_and_read_by_their_snake_case_names()
    {
        // config.json keeps the strings it always had, so old files read and new files read in old tools.
        var options = new TrainOptions { Task = "x", Device = ComputeDevice.Cuda, Network = new() { Activation = ActivationFunction.Tanh } };
        var json = JsonSerializer.Serialize(options);
        Assert.Contains("\"Device\":\"cuda\"", json);
        Assert.Contains("\"Activation\":\"tanh\"", json);
        Assert.Equal((ComputeDevice.Cuda, ActivationFunction.Tanh),
            (JsonSerializer.Deserialize<TrainOptions>(json)!.Device, JsonSerializer.Deserialize<TrainOptions>(json)!.Network.Activation));
        Assert.Contains("\"Schedule\":\"adaptive\"", JsonSerializer.Serialize(new PpoConfig()));
        var reinforce = JsonSerializer.Serialize(new ReinforceConfig());
        Assert.Contains("\"Return\":\"reward_to_go\"", reinforce);
        Assert.Contains("\"Baseline\":\"value\"", reinforce);
        Assert.Contains("\"Optimizer\":\"adam\"", reinforce);
        Assert.Equal(ReinforceReturn.Full, ((ReinforceConfig)AlgorithmCatalog.Configure("reinforce", new[] { "return=full" })).Return);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PpoConfig>("""{ "Schedule": 2 }"""));   // numbers are not names
    }

    [Fact]
    public void Train_sets_split_between_the_algorithm_and_the_task()
    {
        var options = new TrainOptions { Task = "x" }.WithSets(new[] { "algorithm.clip_param=0.1", "rewards.CostTermination=250", "algorithm.epochs=3" });
        Assert.Equal(new[] { "clip_param=0.1", "epochs=3" }, options.AlgorithmSettings);
        Assert.Equal(new[] { "rewards.CostTermination=250" }, options.TaskOverrides);
        Assert.Equal(0.1, ((PpoConfig)options.AlgorithmConfig()).ClipParam);
        // GRPO's groups must divide the environments.
        Assert.Contains("algorithm.group_size", Assert.Throws<UserError>(() => new TrainOptions { Task = "x", Algorithm = "grpo", Envs = 12 }.Validate()).Message);
    }

    [Fact]
    public void Every_shipped_run_config_still_reads()
    {
        var files = Directory.GetFiles(Repo("models"), "config.json", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var config = RunConfig.Read(file);
            Assert.Equal("ppo", config.Algorithm);
            Assert.Equal(24, config.StepsPerEnv);   // from the old Ppo object
            Assert.Empty(config.AlgorithmSettings);  // they trained with PPO's defaults
            Assert.True(config.ActionDim > 0 && config.GroupDim("policy") > 0, file);
            Assert.IsType<PpoConfig>(config.AlgorithmConfig());
        }
    }

    [Fact]
    public void An_old_config_keeps_its_rollout_length_and_its_non_default_ppo_settings()
    {
        var dir = Directory.CreateTempSubdirectory("robotics-config-");
        try
        {
            var path = Path.Combine(dir.FullName, "config.json");
            File.WriteAllText(path, """
                { "Task": "cartpole_balance", "Algorithm": "ppo", "Envs": 8, "Ppo": { "StepsPerEnv": 16, "ScaleRewards": true, "ClipParam": 0.2, "Schedule": "linear" },
                  "TaskName": "cartpole_balance", "ActionDim": 1, "ObservationGroups": [ { "Name": "policy", "Dim": 5, "Terms": [] } ] }
                """);
            var config = RunConfig.Read(path);
            Assert.Equal(16, config.StepsPerEnv);
            Assert.Equal(new[] { "scale_rewards=true", "schedule=linear" }, config.AlgorithmSettings.Order());
            var ppo = (PpoConfig)config.AlgorithmConfig();
            Assert.True(ppo.ScaleRewards);
            Assert.Equal(LearningRateSchedule.Linear, ppo.Schedule);

            // Written back, it is the new form, and reads as the same record.
            File.WriteAllText(path, JsonSerializer.Serialize(config));
            var again = RunConfig.Read(path);
            Assert.Equal(JsonSerializer.Serialize(config), JsonSerializer.Serialize(again));
            Assert.DoesNotContain("\"Ppo\"", File.ReadAllText(path));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Progress_csv_columns_are_found_by_their_header()
    {
        // The same row with its columns in another order and a column this version does not know.
        var header = OnPolicyRunner.CsvHeader(new[] { "RewardA", "CostB" });
        var stats = OnPolicyRunner.ParseCsvRow(header, "3,96,100,0.5,0.25,0.1,2,20,4,0.3,-0.01,1.4,0.005,0.1,0.001,0.9,1.5,-0.5");
        var names = header.Split(',');
        var cells = "3,96,100,0.5,0.25,0.1,2,20,4,0.3,-0.01,1.4,0.005,0.1,0.001,0.9,1.5,-0.5".Split(',');
        var order = Enumerable.Range(0, names.Length).Reverse().ToArray();
        var moved = OnPolicyRunner.ParseCsvRow(string.Join(",", order.Select(i => names[i])), string.Join(",", order.Select(i => cells[i])));
        Assert.Equal(OnPolicyRunner.CsvRow(stats), OnPolicyRunner.CsvRow(moved with { RewardTerms = stats.RewardTerms }));
        Assert.Equal(new Dictionary<string, double> { ["RewardA"] = 1.5, ["CostB"] = -0.5 }, moved.RewardTerms);
        Assert.Equal((3, 96L, 0.9), (moved.Iteration, moved.TotalSteps, moved.Update.NoiseStd));
        Assert.Equal(new[] { "RewardA", "CostB" }, OnPolicyRunner.RewardTermColumns(header));
        Assert.Contains("no column 'kl'", Assert.Throws<UserError>(() => OnPolicyRunner.ParseCsvRow(header.Replace(",kl,", ",kl2,"), string.Join(",", cells))).Message);
    }
}
