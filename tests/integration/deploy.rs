//! The deployment template (infra/template.yaml), checked without AWS: the CDN's path table, the
//! local router table and the functions' routers agree; each route-group function is public
//! through its URL and nothing else is; the functions at full concurrency fit the database's
//! connection limit.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use crate::routing::router_table;

const ROUTE_GROUPS: [&str; 6] = ["auth", "users", "events", "admin", "projects", "superadmin"];

fn template() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/template.yaml"
    ))
    .expect("read infra/template.yaml");
    serde_yaml::from_str(&text).expect("the template is YAML")
}

/// A value with its CloudFormation tag (`!Ref`, `!Sub`, …) taken off.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    untag(&value[key]).as_str().unwrap_or_default()
}

/// The zip's S3 key and the image's URI of a function, each the live branch of its
/// `!If [FromImage, …]`.
fn code_locations(properties: &Value) -> (&str, &str) {
    let branch = |key: &str, index: usize| {
        let choice = untag(&properties[key]);
        assert_eq!(
            untag(&choice[0]).as_str(),
            Some("FromImage"),
            "{key} chosen by PackageType"
        );
        choice[index].clone()
    };
    let zip = branch("CodeUri", 2);
    let image = branch("ImageUri", 1);
    let zip_key = untag(&zip["Key"]).as_str().unwrap_or_default().to_owned();
    let image_uri = untag(&image).as_str().unwrap_or_default().to_owned();
    (zip_key.leak(), image_uri.leak())
}

fn resources(template: &Value) -> BTreeMap<String, Value> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), v.clone()))
        .collect()
}

/// CloudFront's path pattern match: case-sensitive, `*` any run of characters, `?` one.
fn cdn_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some((b'?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

/// `(path pattern, origin)` in CloudFront's order, and the default origin.
fn cdn_table(template: &Value) -> (Vec<(String, String)>, String) {
    let config = &resources(template)["Api"]["Properties"]["DistributionConfig"];
    let behaviors = config["CacheBehaviors"]
        .as_sequence()
        .expect("CacheBehaviors")
        .iter()
        .map(|b| {
            (
                text(b, "PathPattern").to_owned(),
                text(b, "TargetOriginId").to_owned(),
            )
        })
        .collect();
    (
        behaviors,
        text(&config["DefaultCacheBehavior"], "TargetOriginId").to_owned(),
    )
}

fn cdn_route(table: &(Vec<(String, String)>, String), path: &str) -> (String, String) {
    table
        .0
        .iter()
        .find(|(pattern, _)| cdn_matches(pattern, path))
        .map_or_else(
            || ("(default)".to_owned(), table.1.clone()),
            |(pattern, origin)| (pattern.clone(), origin.clone()),
        )
}

/// Every operation of every function as `(function, path)`, with ids filled in, and where the
/// OpenAPI document is served.
fn routes() -> Vec<(&'static str, String)> {
    let apis = [
        ("auth", auth::openapi()),
        ("users", users::openapi()),
        ("events", events::openapi()),
        ("admin", admin::openapi()),
        ("superadmin", superadmin::openapi()),
        ("projects", projects::openapi()),
    ];
    let mut routes = Vec::new();
    for (function, api) in apis {
        for template in api.paths.paths.keys() {
            let path = template
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "0c9f4f4e-0000-4000-8000-000000000001"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            routes.push((function, path));
        }
    }
    // Served but not an operation of the document (FastAPI does not list it either).
    routes.push(("auth", "/openapi.json".to_owned()));
    routes
}

#[test]
fn cloudfront_patterns_match_as_cloudfront_does() {
    assert!(cdn_matches("/users/*", "/users/"));
    assert!(cdn_matches("/users/*", "/users/a/b"));
    assert!(!cdn_matches("/users/*", "/users"));
    assert!(!cdn_matches("/users", "/users/"));
    assert!(cdn_matches("/v?rify", "/verify"));
    assert!(!cdn_matches("/Users/*", "/users/x"));
}

#[test]
fn the_cdn_sends_every_route_to_the_function_that_serves_it_as_the_local_router_table_does() {
    let template = template();
    let cdn = cdn_table(&template);
    let local = router_table();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut checked = 0;
    for (function, path) in routes() {
        let bare = path.trim_end_matches('/').to_owned();
        for form in [bare.clone(), format!("{bare}/")] {
            let (pattern, origin) = cdn_route(&cdn, &form);
            assert_eq!(
                origin, function,
                "the CDN sends {form} to `{origin}` through `{pattern}`; {function} serves it"
            );
            used.insert(pattern);
            checked += 1;
        }
    }
    assert!(checked >= 48, "{checked}");
    // Every behavior is the first match of some route: none is dead or shadowed by an earlier one.
    let patterns: BTreeSet<String> = cdn.0.iter().map(|(p, _)| p.clone()).collect();
    let unused: Vec<_> = patterns.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "CDN behaviors no route reaches: {unused:?}"
    );
    // The two tables name the same functions for the same path shapes.
    let local_shapes: BTreeSet<(String, String)> = local
        .iter()
        .map(|(p, f)| (p.replace("{*rest}", "*"), f.clone()))
        .collect();
    for (pattern, origin) in &cdn.0 {
        let covered = local_shapes.contains(&(pattern.clone(), origin.clone()))
            || (pattern.ends_with("/*")
                && local_shapes
                    .contains(&(pattern.trim_end_matches('*').to_owned(), origin.clone())));
        assert!(
            covered,
            "the CDN's `{pattern}` → {origin} is not in Cargo.toml's router table"
        );
    }
    for (pattern, function) in &local_shapes {
        let probe = pattern.replace('*', "x");
        assert_eq!(
            &cdn_route(&cdn, &probe).1,
            function,
            "Cargo.toml sends {probe} to {function}, the CDN does not"
        );
    }
}

#[test]
fn each_route_group_function_has_a_public_url_and_the_one_shot_functions_have_none() {
    let resources = resources(&template());
    let origins: BTreeMap<String, String> =
        resources["Api"]["Properties"]["DistributionConfig"]["Origins"]
            .as_sequence()
            .expect("Origins")
            .iter()
            .map(|o| {
                let domain = serde_yaml::to_string(&o["DomainName"]).unwrap_or_default();
                (text(o, "Id").to_owned(), domain)
            })
            .collect();
    for function in ROUTE_GROUPS {
        let name = format!("{}{}", function[..1].to_uppercase(), &function[1..]);
        let lambda = &resources[&format!("{name}Function")];
        assert_eq!(
            text(&lambda["Properties"], "FunctionName"),
            format!("podium-${{Env}}-{function}")
        );
        let url = &resources[&format!("{name}Url")]["Properties"];
        assert_eq!(text(url, "AuthType"), "NONE");
        assert_eq!(
            text(url, "TargetFunctionArn"),
            format!("{name}Function.Alias")
        );
        assert!(url.get("Cors").is_none(), "CORS is the functions' job only");
        let actions: BTreeSet<&str> = resources
            .values()
            .filter(|r| r["Type"] == "AWS::Lambda::Permission")
            .filter(|r| text(&r["Properties"], "FunctionName") == format!("{name}Function.Alias"))
            .map(|r| text(&r["Properties"], "Action"))
            .collect();
        assert_eq!(
            actions,
            ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"].into(),
            "{function} needs both permissions of a public function URL"
        );
        assert!(
            origins[function].contains(&format!("{name}Url.FunctionUrl")),
            "origin {function} is {}",
            origins[function]
        );
    }
    let urls: BTreeSet<String> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::Url")
        .map(|r| text(&r["Properties"], "TargetFunctionArn").to_owned())
        .collect();
    assert_eq!(urls.len(), ROUTE_GROUPS.len());
    assert!(
        !urls
            .iter()
            .any(|u| u.starts_with("Migrate") || u.starts_with("Backfill"))
    );
    let functions: BTreeSet<String> = router_table().into_iter().map(|(_, f)| f).collect();
    assert_eq!(functions, ROUTE_GROUPS.map(str::to_owned).into());
}

#[test]
fn every_function_at_full_concurrency_fits_the_database_connection_limit() {
    let template = template();
    let parameters = &template["Parameters"];
    let default = |name: &str| -> i64 {
        parameters[name]["Default"]
            .as_i64()
            .unwrap_or_else(|| panic!("parameter {name} has a numeric default"))
    };
    let pool: i64 = text(
        &template["Globals"]["Function"]["Environment"]["Variables"],
        "PODIUM_DATABASE_POOL_SIZE",
    )
    .parse()
    .expect("pool size");
    let mut total = 0;
    for (name, resource) in resources(&template) {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let reserved = &resource["Properties"]["ReservedConcurrentExecutions"];
        let instances = match untag(reserved) {
            Value::Number(n) => n.as_i64().expect("number"),
            Value::String(parameter) => default(parameter),
            _ => panic!("{name} has no reserved concurrency: it could take every connection"),
        };
        total += instances * pool;
    }
    let limit = default("DatabaseMaxConnections") - default("DatabaseReservedConnections");
    assert!(
        total <= limit,
        "{total} connections at full concurrency, limit {limit}"
    );
    assert_eq!(
        total, 76,
        "the sum in the template's comment and docs/deploy.md"
    );
}

/// Runs scripts/deploy against the fake AWS CLI (tests/fixtures/fake-aws); returns the exit
/// status, stderr, and the AWS calls in order.
fn deploy_with_fake_aws(migrate_fails: bool, package: &str) -> (bool, String, Vec<String>) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let dir = std::env::temp_dir().join(format!("podium-deploy-{}", uuid::Uuid::new_v4().simple()));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("dir");
    std::os::unix::fs::symlink(format!("{root}/tests/fixtures/fake-aws"), bin.join("aws"))
        .expect("fake aws");
    let engine = format!("{root}/tests/fixtures/fake-engine");
    for f in FUNCTIONS {
        std::fs::create_dir_all(dir.join("dist").join(f)).expect("dist");
        std::fs::write(dir.join("dist").join(f).join("bootstrap.zip"), b"zip").expect("zip");
    }
    let log = dir.join("aws.log");
    let output = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/deploy"))
        .arg("test")
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("SKIP_BUILD", "1")
        .env("PACKAGE", package)
        .env("ENGINE", &engine)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("DIST", dir.join("dist"))
        .env("VERSION", "v-new")
        .env("PODIUM_ARTIFACT_BUCKET", "artifacts")
        .env("FAKE_AWS_LOG", &log)
        .env("FAKE_AWS_CURRENT_VERSION", "v-old")
        .env(
            "FAKE_AWS_MIGRATE_FAILS",
            if migrate_fails { "1" } else { "0" },
        )
        .output()
        .expect("run scripts/deploy");
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            // The call's gist: service, command, and the parameter that matters here.
            let words: Vec<&str> = l.split_whitespace().collect();
            let detail = words
                .iter()
                .skip(3)
                .filter(|w| {
                    w.starts_with("ApiCodeVersion=")
                        || w.starts_with("PackageType=")
                        || w.starts_with("s3://")
                        || w.ends_with(":live")
                        || w.starts_with("podium-test-")
                        || w.contains(".dkr.ecr.")
                })
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            format!("{} {} {detail}", words[1], words[2])
                .trim()
                .to_owned()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        calls,
    )
}

const FUNCTIONS: [&str; 9] = [
    "auth",
    "users",
    "events",
    "admin",
    "projects",
    "superadmin",
    "validate",
    "migrate",
    "backfill",
];

fn expected_calls(through_migrate: bool) -> Vec<String> {
    let mut calls: Vec<String> = FUNCTIONS
        .iter()
        .map(|f| format!("s3 cp s3://artifacts/test/v-new/{f}.zip"))
        .collect();
    calls.extend(rollout_calls(through_migrate, "Zip"));
    calls
}

/// After the upload: the stack with the new migrate code, migrate, the stack with the new
/// route-group code.
fn rollout_calls(through_migrate: bool, package_type: &str) -> Vec<String> {
    let mut calls = vec![
        "cloudformation describe-stacks".to_owned(),
        format!("cloudformation deploy PackageType={package_type} ApiCodeVersion=v-old"),
        "lambda invoke podium-test-migrate:live".to_owned(),
    ];
    if !through_migrate {
        calls.push(format!(
            "cloudformation deploy PackageType={package_type} ApiCodeVersion=v-new"
        ));
        calls.push("cloudformation describe-stacks".into());
    }
    calls
}

#[test]
fn a_rollout_uploads_migrates_then_moves_the_route_group_functions() {
    let (ok, stderr, calls) = deploy_with_fake_aws(false, "zip");
    assert!(ok, "{stderr}");
    assert_eq!(calls, expected_calls(false));
}

#[test]
fn a_migration_that_reports_a_function_error_stops_the_rollout_before_the_route_group_functions() {
    let (ok, stderr, calls) = deploy_with_fake_aws(true, "zip");
    assert!(!ok, "the rollout must fail");
    assert_eq!(calls, expected_calls(true));
    assert!(
        stderr.contains("the route-group functions were NOT updated (still v-old)"),
        "{stderr}"
    );
}

#[test]
fn a_rollout_from_images_pushes_each_to_its_ecr_repository_then_migrates_and_moves_the_functions() {
    let (ok, stderr, calls) = deploy_with_fake_aws(false, "image");
    assert!(ok, "{stderr}");
    let registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let mut expected = vec![
        "sts get-caller-identity".to_owned(),
        "configure get".to_owned(),
        "ecr get-login-password".to_owned(),
        format!("login --username {registry}"),
    ];
    for f in FUNCTIONS {
        expected.push(format!("ecr describe-repositories podium-test-{f}"));
        if f != "validate" {
            expected.push(format!("ecr create-repository podium-test-{f}"));
        }
        expected.push(format!("push {registry}/podium-test-{f}:v-new"));
    }
    expected.extend(rollout_calls(false, "Image"));
    assert_eq!(calls, expected);
}

#[test]
fn every_function_deploys_from_the_zip_or_the_image_of_the_same_code_version() {
    let template = template();
    let resources = resources(&template);
    let functions: Vec<(&String, &Value)> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .collect();
    assert_eq!(functions.len(), FUNCTIONS.len());
    for (name, function) in functions {
        let properties = &function["Properties"];
        assert_eq!(text(properties, "PackageType"), "PackageType", "{name}");
        let f = text(properties, "FunctionName")
            .strip_prefix("podium-${Env}-")
            .expect("podium-${Env}-<function>");
        let version = if ["migrate", "backfill"].contains(&f) {
            "MigrateCodeVersion"
        } else {
            "ApiCodeVersion"
        };
        let (zip, image) = code_locations(properties);
        assert_eq!(zip, format!("${{Env}}/${{{version}}}/{f}.zip"), "{name}");
        assert_eq!(
            image,
            format!(
                "${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/podium-${{Env}}-{f}:${{{version}}}"
            ),
            "{name}"
        );
    }
    let globals = &template["Globals"]["Function"];
    for (key, zip_value) in [("Runtime", "provided.al2023"), ("Handler", "bootstrap")] {
        let choice = untag(&globals[key]);
        assert_eq!(untag(&choice[0]).as_str(), Some("FromImage"), "{key}");
        assert_eq!(untag(&choice[2]).as_str(), Some(zip_value), "{key}");
    }
}

#[test]
fn the_validate_worker_has_no_url_runs_on_a_schedule_and_only_the_projects_function_invokes_it() {
    let template = template();
    let resources = resources(&template);
    let validate = &resources["ValidateFunction"]["Properties"];
    assert_eq!(
        code_locations(validate).0,
        "${Env}/${ApiCodeVersion}/validate.zip",
        "moves with the route-group functions, after migrating"
    );
    let sweep = &validate["Events"]["Sweep"];
    assert_eq!(text(sweep, "Type"), "ScheduleV2");
    assert_eq!(
        text(&sweep["Properties"], "ScheduleExpression"),
        "rate(1 minute)"
    );
    assert!(
        !resources.values().any(|r| r["Type"] == "AWS::Lambda::Url"
            && text(&r["Properties"], "TargetFunctionArn").starts_with("Validate")),
        "no public URL"
    );
    let projects = &resources["ProjectsFunction"]["Properties"];
    assert_eq!(
        text(
            &projects["Environment"]["Variables"],
            "PODIUM_VALIDATE_FUNCTION"
        ),
        "podium-${Env}-validate:live"
    );
    let invokers: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| {
            serde_yaml::to_string(&r["Properties"]["Policies"])
                .unwrap_or_default()
                .contains("lambda:InvokeFunction")
        })
        .map(|(name, _)| name)
        .collect();
    assert_eq!(invokers, ["ProjectsFunction"]);
    let policy = serde_yaml::to_string(&projects["Policies"]).unwrap_or_default();
    assert!(
        policy.contains("function:podium-${Env}-validate:live"),
        "{policy}"
    );
}

#[test]
fn every_request_through_the_cdn_carries_the_viewer_address_and_the_origin_secret() {
    let template = template();
    let resources = resources(&template);
    let function = &resources["ViewerAddress"]["Properties"];
    let code = text(function, "FunctionCode");
    assert!(
        code.contains(&format!(
            "request.headers['{}'] = {{ value: event.viewer.ip }}",
            podium_http::client::VIEWER_IP_HEADER
        )),
        "{code}"
    );
    let config = &resources["Api"]["Properties"]["DistributionConfig"];
    let mut behaviours: Vec<&Value> = config["CacheBehaviors"]
        .as_sequence()
        .expect("behaviours")
        .iter()
        .collect();
    behaviours.push(&config["DefaultCacheBehavior"]);
    for behaviour in behaviours {
        let associations =
            serde_yaml::to_string(&behaviour["FunctionAssociations"]).unwrap_or_default();
        assert!(
            associations.contains("viewer-request") && associations.contains("ViewerAddress"),
            "{:?} lacks the viewer-address function",
            behaviour["PathPattern"]
        );
    }
    for origin in config["Origins"].as_sequence().expect("origins") {
        let headers = serde_yaml::to_string(&origin["OriginCustomHeaders"]).unwrap_or_default();
        assert!(
            headers.contains(podium_http::client::CDN_SECRET_HEADER)
                && headers.contains("SecretString:PODIUM_CDN_SECRET"),
            "origin {:?}: {headers}",
            origin["Id"]
        );
    }
}

/// A YAML fragment, tags included, to compare a template value with.
fn yaml(fragment: &str) -> Value {
    serde_yaml::from_str(fragment).expect("a YAML fragment")
}

/// An alarm's properties, after checking what every alarm has: missing data is no breach (but
/// for the validation queue's lag: a worker that reports nothing is down), the alarm topic
/// (when there is one) hears of it going off and back, and the description says where to look.
fn alarm<'a>(resources: &'a BTreeMap<String, Value>, name: &str) -> &'a Value {
    let alarm = resources
        .get(name)
        .unwrap_or_else(|| panic!("no alarm {name}"));
    assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm", "{name}");
    let properties = &alarm["Properties"];
    let missing = if name == "ValidationQueueAgeAlarm" {
        "breaching"
    } else {
        "notBreaching"
    };
    assert_eq!(text(properties, "TreatMissingData"), missing, "{name}");
    let actions = yaml("!If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref AWS::NoValue]");
    for key in ["AlarmActions", "OKActions"] {
        assert_eq!(properties[key], actions, "{name} {key}");
    }
    let description = text(properties, "AlarmDescription");
    assert!(
        description.contains("Sentry") && description.contains("x-request-id"),
        "{name}: {description}"
    );
    properties
}

/// A metric (an alarm's, or a `Metric` of a metric-math term) is `name` in `namespace` with
/// exactly `dimensions` (a YAML fragment).
fn assert_metric(metric: &Value, namespace: &str, name: &str, dimensions: &str, context: &str) {
    assert_eq!(text(metric, "Namespace"), namespace, "{context}");
    assert_eq!(text(metric, "MetricName"), name, "{context}");
    assert_eq!(metric["Dimensions"], yaml(dimensions), "{context}");
}

#[test]
fn every_function_has_an_errors_a_throttles_and_a_p99_duration_alarm_sent_to_the_alarm_topic() {
    let resources = resources(&template());
    let functions: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(functions.len(), FUNCTIONS.len());
    for function in functions {
        for (metric, statistic, periods, comparison, threshold) in [
            (
                "Errors",
                ("Statistic", "Sum"),
                1,
                "GreaterThanOrEqualToThreshold",
                "AlarmErrorsThreshold",
            ),
            (
                "Throttles",
                ("Statistic", "Sum"),
                1,
                "GreaterThanOrEqualToThreshold",
                "AlarmThrottlesThreshold",
            ),
            (
                "Duration",
                ("ExtendedStatistic", "p99"),
                3,
                "GreaterThanThreshold",
                "AlarmDurationP99Ms",
            ),
        ] {
            let name = format!("{function}{metric}Alarm");
            let properties = alarm(&resources, &name);
            let dimensions = format!("[{{Name: FunctionName, Value: !Ref {function}}}]");
            assert_metric(properties, "AWS/Lambda", metric, &dimensions, &name);
            assert_eq!(text(properties, statistic.0), statistic.1, "{name}");
            assert_eq!(properties["Period"], 300, "{name}");
            assert_eq!(properties["EvaluationPeriods"], periods, "{name}");
            assert_eq!(text(properties, "ComparisonOperator"), comparison, "{name}");
            assert_eq!(
                properties["Threshold"],
                yaml(&format!("!Ref {threshold}")),
                "{name}"
            );
        }
    }
}

#[test]
fn the_cdn_the_validation_queue_and_the_database_connections_have_alarms_and_one_dashboard_shows_them()
 {
    use podium_runtime::telemetry::measure;
    let template = template();
    let resources = resources(&template);

    let cdn = alarm(&resources, "Cdn5xxRateAlarm");
    let distribution = "[{Name: DistributionId, Value: !Ref Api}, {Name: Region, Value: Global}]";
    assert_metric(cdn, "AWS/CloudFront", "5xxErrorRate", distribution, "CDN");
    assert_eq!(cdn["Threshold"], yaml("!Ref AlarmCdn5xxRatePercent"));
    // CloudFront's metrics are in us-east-1 only; the distribution itself is unconditional (with
    // a condition of its own, the alarm would need both).
    assert!(resources["Api"].get("Condition").is_none());
    assert_eq!(resources["Cdn5xxRateAlarm"]["Condition"], "InUsEast1");
    assert_eq!(
        template["Conditions"]["InUsEast1"],
        yaml("!Equals [!Ref AWS::Region, us-east-1]")
    );

    let age = alarm(&resources, "ValidationQueueAgeAlarm");
    let validate = "[{Name: function, Value: validate}]";
    assert_metric(
        age,
        measure::NAMESPACE,
        measure::VALIDATION_OLDEST_AGE,
        validate,
        "age",
    );
    assert_eq!(text(age, "Statistic"), "Maximum");
    assert_eq!(age["Threshold"], yaml("!Ref AlarmValidationAgeSeconds"));

    let db = alarm(&resources, "DbConnectionFailuresAlarm");
    assert_eq!(
        db["Threshold"],
        yaml("!Ref AlarmDbConnectionFailuresThreshold")
    );
    let terms = db["Metrics"].as_sequence().expect("metric math");
    let (sum, stats) = terms.split_last().expect("terms");
    let mut ids = Vec::new();
    let mut functions = BTreeSet::new();
    for term in stats {
        let stat = &term["MetricStat"];
        let function = text(&stat["Metric"]["Dimensions"][0], "Value");
        let dimensions = format!("[{{Name: function, Value: {function}}}]");
        let metric = measure::DB_CONNECTION_FAILURES;
        assert_metric(
            &stat["Metric"],
            measure::NAMESPACE,
            metric,
            &dimensions,
            function,
        );
        assert_eq!(text(stat, "Stat"), "Sum", "{function}");
        assert_eq!(stat["Period"], 300, "{function}");
        assert_eq!(term["ReturnData"], false, "{function}");
        ids.push(text(term, "Id"));
        functions.insert(function);
    }
    assert_eq!(functions, ROUTE_GROUPS.into());
    assert_eq!(text(sum, "Expression"), format!("SUM([{}])", ids.join(",")));
    assert_eq!(sum["ReturnData"], true);

    let dashboards: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Dashboard")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(dashboards, ["OperationsDashboard"]);
    let dashboard = &resources["OperationsDashboard"]["Properties"];
    assert_eq!(text(dashboard, "DashboardName"), "podium-${Env}");
    let body = serde_yaml::to_string(&dashboard["DashboardBody"]).expect("body");
    let alarms = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(name, _)| format!("${{{name}.Arn}}"));
    let metrics = [
        measure::REQUESTS,
        measure::REQUEST_DURATION,
        measure::BALLOTS,
        measure::VALIDATION_JOBS,
        measure::VALIDATION_OLDEST_AGE,
        measure::DB_POOL_ACQUIRE,
        measure::DB_CONNECTION_FAILURES,
        "5xxErrorRate",
    ];
    for wanted in alarms.chain(metrics.map(str::to_owned)) {
        assert!(
            body.contains(&wanted),
            "the dashboard does not show {wanted}"
        );
    }
}

#[test]
fn the_alarm_thresholds_have_their_defaults_and_without_a_topic_the_alarms_notify_no_one() {
    let template = template();
    let parameters = &template["Parameters"];
    for (name, default) in [
        ("AlarmErrorsThreshold", 5),
        ("AlarmThrottlesThreshold", 1),
        ("AlarmDurationP99Ms", 3000),
        ("AlarmCdn5xxRatePercent", 5),
        ("AlarmValidationAgeSeconds", 900),
        ("AlarmDbConnectionFailuresThreshold", 5),
    ] {
        assert_eq!(text(&parameters[name], "Type"), "Number", "{name}");
        assert_eq!(parameters[name]["Default"], default, "{name}");
        assert!(!text(&parameters[name], "Description").is_empty(), "{name}");
    }
    assert_eq!(parameters["AlarmTopicArn"]["Default"], "");
    assert_eq!(
        template["Conditions"]["HasAlarmTopic"],
        yaml(r#"!Not [!Equals [!Ref AlarmTopicArn, ""]]"#)
    );
}
