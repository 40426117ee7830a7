//! Results with their request ids: `for_each_outcome` and `BatchResults::ids`.

use std::collections::BTreeMap;

use foura::mock::{Fault, MockServer};
use foura::{BatchItem, Client, Error, Meta, RequestId, Task, TaskRequest, TaskType};

fn requests(n: usize) -> Vec<TaskRequest> {
    (0..n)
        .map(|i| TaskRequest::new(format!("https://example.com/{i}"), TaskType::Single))
        .collect()
}

#[test]
fn each_outcome_carries_its_index_and_the_request_id() {
    let server = MockServer::start();
    let client = server.client();
    let inputs = requests(12);
    let mut seen = BTreeMap::new();
    let summary = client
        .batch(&inputs)
        .concurrency(4)
        .for_each_outcome(|outcome| {
            let task = outcome.result.expect("the emulator answers every task");
            assert_eq!(task.url.as_deref(), Some(inputs[outcome.index].url()));
            seen.insert(outcome.index, outcome.id);
        });
    assert_eq!(summary.done, 12);
    assert_eq!(seen.len(), 12);
    for (index, id) in seen {
        assert_eq!(id, Some(inputs[index].id()));
    }
}

#[test]
fn a_failed_input_keeps_its_id() {
    let server = MockServer::start();
    server.push_fault(Fault::status(500, "boom"));
    let client = server.client_builder().max_retries(0).build().unwrap();
    let inputs = requests(1);
    let mut outcomes = Vec::new();
    client.batch(&inputs).for_each_outcome(|o| outcomes.push(o));
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].result.is_err());
    assert_eq!(outcomes[0].id, Some(inputs[0].id()));
}

#[test]
fn run_lists_the_ids_beside_the_results_in_input_order() {
    let server = MockServer::start();
    let inputs = requests(7);
    let batch = server.client().batch(&inputs).concurrency(3).run();
    assert_eq!(batch.results.len(), 7);
    let expected: Vec<Option<RequestId>> = inputs.iter().map(|r| Some(r.id())).collect();
    assert_eq!(batch.ids, expected);
}

/// An item of the caller's own, without an id.
struct Own(TaskRequest);

impl BatchItem for Own {
    type Output = Task;
    fn send(&self, client: &Client) -> Result<Task, Error> {
        client.create_task(&self.0)
    }
    fn meta(output: &Task) -> &Meta {
        output.meta()
    }
}

#[test]
fn an_item_without_an_id_has_none() {
    let server = MockServer::start();
    let inputs: Vec<Own> = requests(2).into_iter().map(Own).collect();
    let batch = server.client().batch(&inputs).run();
    assert_eq!(batch.ids, [None, None]);
    assert!(batch.results.iter().all(Result::is_ok));
}
