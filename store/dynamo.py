"""MetadataStore on DynamoDB: one table `<prefix>-registry` (keys pk, sk), five sparse GSIs.

Items (pk / sk):
- artifact    `A#<id>` / `A`            type, name, status, sort, vsort, source_url, parents, body or chunk pointers
- body chunk  `A#<id>` / `C#<ver>#<n>`  overflow of a record too big for one item (see below)
- rating      `A#<id>` / `R`
- parent link `P#<parent url>` / `<id>`  one per entry of Artifact.parent_urls (lineage's descendants)
- user        `U` / `<username>`        few, so one partition; listing them is a Query
- token       `T#<sha256>` / `T`        uses reserved by a conditional UpdateItem
- user token  `UT#<username>` / `<sha256>` finds a user's tokens without a GSI (strongly consistent)
- upload      `UP#<id>` / `UP`                    `ttl` a day after it expires
- audit       `AU#<artifact id>` / `<at>#<random>`  oldest first by sort key
- monitor     `A#<id>` / `M`            in the artifact's partition: deleted with it
- searches    `A#<id>` / `S`            `appearances` counter (ADD in transactions); deleted with the artifact
- download    `DL#<artifact id>` / `<at>#<random>`  oldest first by sort key, kept after the artifact
- setting     `S#<name>` / `S`          registry-wide settings (the gate policy)
- claim       `C#<key>` / `A`                      owner, `expires` and `ttl` while leased (settled: neither)
- epoch       `META` / `EPOCH`                     value, changed_at (kept by `reset`)
- operation   `OP#<key>` / `OP`                    version, expires, body, `ttl`
- mirror job  `A#<id>` / `MJ`           a background mirror's owner and lease (deleted with the artifact)
- name line   `L#<type>#<name>` / `H`   which version of the name is latest, and a revision counter
- version     `L#<type>#<name>` / `V#<vsort>`  one per READY version of the name, in version order

Commits (`commit`) are one TransactWriteItems: the records' head items, their ratings, and the guard (a
ConditionCheck on the epoch, the claims to settle, drop or lease, the operation record) succeed or fail together.
Items whose `ttl` (epoch seconds) has passed are deleted by DynamoDB's TTL (the table enables it on `ttl`); that is
housekeeping only, every read checks expiry itself.

Only READY artifacts carry the GSI keys (`gsi_type`, `gsi_name`, `gsi_source`, all with range key `sort`; and
`gsi_type` with range key `vsort`, the version sort key, for version ranges), so the indexes are sparse and PENDING
records are invisible to every enumeration by construction. The latest version of each type and name also carries
`gsi_latest` (its type; range key `sort`): `latest_only` listings query that index. Which version is latest is
settled after each write that may change it: the name's version items are read (strongly consistent), then one
TransactWriteItems moves `gsi_latest` and bumps the name line's counter, conditioned on the counter read, so
concurrent writers of one name retry rather than undo each other. Every
enumeration is a Query: a typed page seeks `by_type` after the cursor's sort key; a page over several types
(or all) merges one such seek per type rather than using a constant-partition GSI, which would put every
artifact in one hot partition. Cursors are the last sort key (registry.paging). GSIs are
eventually consistent: an artifact marked ready shows in listings after the index catches up (milliseconds).

Size: a record is stored as zlib-compressed JSON in a Binary attribute. DynamoDB items are capped at 400 KB;
a compressed record over 300 KB (a files manifest of tens of thousands of entries) is split into chunk items
under the artifact's partition, written before the head item that points at them, under a fresh version so a
replacement never mixes old and new chunks; old chunks are deleted after the head moves on. `parents` and the
indexed attributes stay in the head item, so they count against its limit (names are capped at 512 chars).
Counting artifacts and `reset` scan the table: they are not on any request's hot path.
"""
from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError

from registry.errors import Aborted, Conflict, NotFound, TooLarge
from registry.model import (Artifact, ArtifactStatus, ArtifactType, ArtifactView, AuditEntry, DownloadRecord,
                            MirrorJob, Monitor, Operation, Token, Upload, User)
from registry.paging import Page, as_utc, decode_cursor, sort_key, timestamp_key, version_sort_key
from registry.ports import MAX_COMMIT_RECORDS, Claim, Epoch, Guard, SearchText, TokenGrant
from store.keyset import check_limit, merge_page, type_list

Item = dict[str, dict[str, Any]]

_HEAD = "A"
_RATING = "R"
_MONITOR = "M"
_SEARCHES = "S"
_MIRROR = "MJ"
_LINE_HEAD = "H"
_TRANSACT_ITEMS = 100  # TransactWriteItems' limit
_INLINE_BYTES = 300_000
_CHUNK_BYTES = 300_000
_BATCH_GET = 100
_BATCH_WRITE = 25
_SEARCH_PAGE = 500
_RETRIES = 8
# index name -> (hash key, range key)
_INDEXES = {"by_type": ("gsi_type", "sort"), "by_name": ("gsi_name", "sort"), "by_source": ("gsi_source", "sort"),
            "by_version": ("gsi_type", "vsort"), "by_latest": ("gsi_latest", "sort")}
_READY = ArtifactStatus.READY.value
TTL_ATTRIBUTE = "ttl"
_TTL_GRACE = 24 * 3600  # TTL deletes a day after expiry: expired items are still seen (and swept) meanwhile
_EPOCH_KEY = {"pk": {"S": "META"}, "sk": {"S": "EPOCH"}}
_TRANSACTION_ITEMS = 100
_TRANSACTION_BYTES = 4_000_000
# Replaced records inside a commit keep small heads (bodies over this go to chunks first), so that a commit of
# MAX_COMMIT_RECORDS records stays under the transaction's 4 MB.
_COMMIT_INLINE_BYTES = 64_000
_CANCELLED = ("TransactionCanceledException", "TransactionConflictException")


def table_definition(table_name: str) -> dict[str, Any]:
    """The CreateTable request: keys, the five sparse GSIs, on-demand billing (the SAM template mirrors it)."""
    keys = dict.fromkeys(["pk", "sk", *(key for pair in _INDEXES.values() for key in pair)])
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in keys],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {"IndexName": index, "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                           {"AttributeName": range_key, "KeyType": "RANGE"}]}
            for index, (hash_key, range_key) in _INDEXES.items()],
    }


class DynamoMetadataStore:
    """`client` is a boto3 DynamoDB (low-level) client; the table is `<table_prefix>-registry`."""

    def __init__(self, client: Any, table_prefix: str) -> None:
        self._db = client
        self.table = f"{table_prefix}-registry"

    def ensure_tables(self) -> None:
        """Create the table if it is absent and wait until it is active (tests and first start)."""
        try:
            self._db.create_table(**table_definition(self.table))
        except ClientError as error:
            if _code(error) != "ResourceInUseException":
                raise
        self._db.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        try:
            self._db.update_time_to_live(TableName=self.table, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": TTL_ATTRIBUTE})
        except ClientError as error:
            if "already enabled" not in str(error):
                raise

    # artifacts -------------------------------------------------------------------------------------------------
    def create_artifact(self, artifact: Artifact) -> None:
        head, chunks = self._encode(artifact)
        self._batch_write([{"PutRequest": {"Item": chunk}} for chunk in chunks])
        try:
            self._db.put_item(TableName=self.table, Item=head, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            self._delete_keys(chunks)
            if _code(error) == "ConditionalCheckFailedException":
                raise Conflict(f"artifact {artifact.id!r} already exists") from None
            raise
        self._link_parents(artifact.id, set(artifact.parent_urls), set())
        if artifact.status is ArtifactStatus.READY:
            self._link_version(head)
            self._settle_line(artifact.type.value, artifact.name)

    def replace_artifact(self, artifact: Artifact) -> None:
        head, chunks = self._encode(artifact)
        self._batch_write([{"PutRequest": {"Item": chunk}} for chunk in chunks])
        try:
            old = self._put_keeping_latest(head)
        except NotFound:
            self._delete_keys(chunks)
            raise
        if "chunk_version" in old:
            self._delete_keys(self._chunk_items(artifact.id, old["chunk_version"]["S"]))
        self._link_parents(artifact.id, set(artifact.parent_urls), _parents(old))
        old_version = _version_key(old) if "gsi_type" in old and "vsort" in old else None
        if old_version is not None and ("gsi_type" not in head or old_version != _version_key(head)):
            self._unlink_version(old)
        if "gsi_type" in head:
            self._link_version(head)
        for kind, name in {(old["type"]["S"], old["name"]["S"]), (artifact.type.value, artifact.name)}:
            self._settle_line(kind, name)

    def _put_keeping_latest(self, head: Item) -> Item:
        """Overwrite the head item, keeping its `gsi_latest` mark as it is (settling the name moves it), and return
        the old item: conditional on the mark, so a settle racing with this put makes it retry, never lost."""
        for attempt in range(_RETRIES):
            current = self._get(_head_key(head["id"]["S"]))
            if current is None:
                raise NotFound(f"no artifact {head['id']['S']!r}")
            item, values = dict(head), {}
            if "gsi_latest" in current:
                item["gsi_latest"] = values[":latest"] = current["gsi_latest"]
                condition = "attribute_exists(pk) AND gsi_latest = :latest"
            else:
                condition = "attribute_exists(pk) AND attribute_not_exists(gsi_latest)"
            try:
                old: Item = self._db.put_item(TableName=self.table, Item=item, ConditionExpression=condition,
                                              ReturnValues="ALL_OLD", **_values(values))["Attributes"]
                return old
            except ClientError as error:
                if _code(error) != "ConditionalCheckFailedException":
                    raise
            _back_off(attempt)
        raise RuntimeError("an artifact's latest mark kept changing while it was being replaced; try again later")

    def mark_ready(self, artifact_id: str) -> None:
        head = self._get_head(artifact_id)
        if head is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        source = head["source_url"]["S"] if "source_url" in head else None
        try:
            self._db.update_item(**self._ready_update(artifact_id, head["type"]["S"], head["name"]["S"], source))
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise NotFound(f"no artifact {artifact_id!r}") from None
            raise
        self._link_version(head)
        self._settle_line(head["type"]["S"], head["name"]["S"])

    def get_artifact(self, artifact_id: str, include_pending: bool = False) -> Artifact | None:
        head = self._get_head(artifact_id)
        if head is None or (head["status"]["S"] != _READY and not include_pending):
            return None
        return self._decode(head)

    def get_artifact_view(self, artifact_id: str) -> ArtifactView | None:
        """Read like `get_artifact` (each read is a round trip here, so nothing is kept), as a frozen view."""
        head = self._get_head(artifact_id)
        if head is None or head["status"]["S"] != _READY:
            return None
        return cast(ArtifactView | None, self._decode(head, model=ArtifactView))

    def get_artifacts(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        """BatchGetItem, 100 keys a request, retrying the keys DynamoDB leaves unprocessed."""
        ids = list(dict.fromkeys(artifact_ids))
        found: dict[str, Artifact] = {}
        for start in range(0, len(ids), _BATCH_GET):
            request = {self.table: {"Keys": [_head_key(i) for i in ids[start:start + _BATCH_GET]],
                                    "ConsistentRead": True}}
            for head in self._batch_get(request):
                artifact = self._decode(head) if head["status"]["S"] == _READY else None
                if artifact is not None:
                    found[artifact.id] = artifact
        return found

    def get_artifacts_snapshot(self, artifact_ids: Sequence[str]) -> dict[str, Artifact]:
        """TransactGetItems of the heads (serializable with TransactWriteItems), retried while a transaction on the
        same items is in flight; a chunked body is read after (its version is immutable)."""
        ids = list(dict.fromkeys(artifact_ids))
        if len(ids) > MAX_COMMIT_RECORDS:
            raise TooLarge(f"a snapshot reads at most {MAX_COMMIT_RECORDS} records")
        if not ids:
            return {}
        for attempt in range(_RETRIES):
            try:
                answer = self._db.transact_get_items(TransactItems=[
                    {"Get": {"TableName": self.table, "Key": _head_key(i)}} for i in ids])
                break
            except ClientError as error:
                if _code(error) != "TransactionCanceledException" or attempt == _RETRIES - 1:
                    raise
                _back_off(attempt)
        heads = [response["Item"] for response in answer["Responses"] if response.get("Item")]
        found = [self._decode(head) for head in heads if head["status"]["S"] == _READY]
        return {artifact.id: artifact for artifact in found if artifact is not None}

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        wanted = {kind.value for kind in type_list(types)}
        heads = self._query(IndexName="by_name", KeyConditionExpression="gsi_name = :name",
                            ExpressionAttributeValues={":name": _s(name)})
        return self._decode_all(head for head in heads if head["type"]["S"] in wanted)

    def latest_version_id(self, kind: ArtifactType, name: str) -> str | None:
        line = self._get({"pk": _s(f"L#{kind.value}#{name}"), "sk": _s(_LINE_HEAD)})
        return line["latest"]["S"] if line is not None and "latest" in line else None

    def find_by_source(self, source_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        """One Query of `by_source` per URL (lineage asks about a handful of parents at a time)."""
        found: dict[str, list[Artifact]] = {}
        for url in dict.fromkeys(source_urls):
            heads = self._query(IndexName="by_source", KeyConditionExpression="gsi_source = :url",
                                ExpressionAttributeValues={":url": _s(url)})
            artifacts = self._decode_all(heads)
            if artifacts:
                found[url] = artifacts
        return found

    def find_children(self, parent_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        links: dict[str, list[str]] = {}
        for url in dict.fromkeys(parent_urls):
            items = self._query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(f"P#{url}")},
                                ConsistentRead=True)
            links[url] = [item["sk"]["S"] for item in items]
        ready = self.get_artifacts(i for ids in links.values() for i in ids)
        found = {url: sorted((ready[i] for i in ids if i in ready), key=sort_key) for url, ids in links.items()}
        return {url: artifacts for url, artifacts in found.items() if artifacts}

    def list_artifacts(self, types: Iterable[ArtifactType] | None, cursor: str | None, limit: int,
                       latest_only: bool = False) -> Page:
        after = decode_cursor(cursor)
        check_limit(limit)
        index = "by_latest" if latest_only else "by_type"
        return merge_page([self._typed_page(index, kind, after, limit + 1) for kind in type_list(types)], limit,
                          self._decode)

    def _typed_page(self, index: str, kind: ArtifactType, after: str | None, count: int) -> list[tuple[str, Item]]:
        hash_key = _INDEXES[index][0]
        condition, values = f"{hash_key} = :type", {":type": _s(kind.value)}
        if after is not None:
            condition += " AND sort > :after"
            values[":after"] = _s(after)
        heads = self._query(IndexName=index, KeyConditionExpression=condition, ExpressionAttributeValues=values,
                            Limit=count, max_items=count)
        return [(head["sort"]["S"], head) for head in heads]

    def list_by_version(self, low: str, high: str, types: Iterable[ArtifactType] | None, cursor: str | None,
                        limit: int) -> Page:
        """One `by_version` seek per type (BETWEEN: a key condition takes one range; no key equals `high`, a
        version's bare major.minor.patch, since every key continues past it), merged in version order."""
        after = decode_cursor(cursor)
        check_limit(limit)
        start = max(low, after) if after is not None else low
        streams = []
        for kind in type_list(types):
            heads = self._query(IndexName="by_version", KeyConditionExpression="gsi_type = :type AND vsort BETWEEN "
                                ":start AND :high", Limit=limit + 2, max_items=limit + 2,
                                ExpressionAttributeValues={":type": _s(kind.value), ":start": _s(start),
                                                           ":high": _s(high)})
            streams.append([(head["vsort"]["S"], head) for head in heads if head["vsort"]["S"] != after][:limit + 1])
        return merge_page(streams, limit, self._decode)

    def iter_search_text(self, types: Iterable[ArtifactType] | None = None,
                         latest_only: bool = False) -> Iterator[SearchText]:
        index = "by_latest" if latest_only else "by_type"
        for kind in type_list(types):
            for head in self._query(IndexName=index, KeyConditionExpression=f"{_INDEXES[index][0]} = :type",
                                    ExpressionAttributeValues={":type": _s(kind.value)}, Limit=_SEARCH_PAGE):
                artifact = self._decode(head)
                if artifact is not None:
                    yield SearchText(sort_key(artifact), artifact.id, artifact.name.encode(),
                                     artifact.readme.encode())

    def delete_artifact(self, artifact_id: str) -> None:
        """The head, its chunks and rating (one partition), then its parent links."""
        items = list(self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True,
                                 ExpressionAttributeValues={":pk": _s(f"A#{artifact_id}")}))
        self._delete_keys(items)
        for head in (item for item in items if item["sk"]["S"] == _HEAD):
            self._link_parents(artifact_id, set(), _parents(head))
            if "gsi_type" in head and "vsort" in head:
                self._unlink_version(head)
            self._settle_line(head["type"]["S"], head["name"]["S"])

    def commit(self, ready: Sequence[Artifact] = (), replaced: Sequence[Artifact] = (), deleted: Sequence[str] = (),
               ratings: Mapping[str, dict[str, Any]] | None = None, guard: Guard = Guard()) -> None:
        """Chunks of replaced records first (under fresh versions: invisible until a head points at them), then one
        TransactWriteItems, then the clean-up of what the commit left unreferenced and the parent links."""
        if len(ready) + len(replaced) + len(deleted) > MAX_COMMIT_RECORDS:
            raise TooLarge(f"one commit changes at most {MAX_COMMIT_RECORDS} records")
        before = {i: self._partition(i) for i in [*(a.id for a in replaced), *deleted]}
        old_heads = {i: next((item for item in items if item["sk"]["S"] == _HEAD), None) for i, items in before.items()}
        if any(old_heads[artifact.id] is None for artifact in replaced):
            raise NotFound("a record this commit replaces does not exist")
        encoded = [self._encode(artifact, _COMMIT_INLINE_BYTES) for artifact in replaced]
        chunks = [chunk for _, artifact_chunks in encoded for chunk in artifact_chunks]
        self._batch_write([{"PutRequest": {"Item": chunk}} for chunk in chunks])
        actions = self._guard_actions(guard)
        actions += [("head", {"Update": self._ready_update(a.id, a.type.value, a.name, a.source_url)}) for a in ready]
        actions += [("replace", self._keeping_latest(head, old_heads[head["id"]["S"]])) for head, _ in encoded]
        actions += [("delete", {"Delete": {"TableName": self.table, "Key": _head_key(i)}}) for i in deleted]
        actions += [("rating", {"Put": {"TableName": self.table, "Item": self._rating_item(i, rating)}})
                    for i, rating in (ratings or {}).items()]
        try:
            self._transact(actions)
        except (Aborted, NotFound, TooLarge):
            self._delete_keys(chunks)  # certainly not committed: nothing points at them
            raise
        lines: set[tuple[str, str]] = set()
        for head, _ in encoded:
            if "gsi_type" in head:  # READY
                self._link_version(head)
            lines.add((head["type"]["S"], head["name"]["S"]))
        for artifact in ready:
            self._link_version(self._version_head(artifact))
            lines.add((artifact.type.value, artifact.name))
        for artifact in replaced:
            old = old_heads[artifact.id]
            self._delete_keys(item for item in before[artifact.id] if item["sk"]["S"].startswith("C#"))
            self._link_parents(artifact.id, set(artifact.parent_urls), _parents(old) if old else set())
            if old is not None and "gsi_type" in old and "vsort" in old and (
                    _version_key(old) != _version_key(self._version_head(artifact))):
                self._unlink_version(old)
            if old is not None:
                lines.add((old["type"]["S"], old["name"]["S"]))
        for artifact_id in deleted:
            self._delete_keys(item for item in before[artifact_id] if item["sk"]["S"] != _HEAD)
            for head in (item for item in before[artifact_id] if item["sk"]["S"] == _HEAD):
                self._link_parents(artifact_id, set(), _parents(head))
                if "gsi_type" in head and "vsort" in head:
                    self._unlink_version(head)
                lines.add((head["type"]["S"], head["name"]["S"]))
        for kind, name in sorted(lines):  # which version is latest (a crash before this leaves the mark behind)
            self._settle_line(kind, name)

    def _keeping_latest(self, head: Item, old: Item | None) -> dict[str, Any]:
        """The Put of a replaced head inside a commit, keeping its `gsi_latest` mark as read (settling the name
        moves it): conditional on the mark, so a settle racing with the commit cancels it (Aborted, retry)."""
        item, values = dict(head), {}
        if old is not None and "gsi_latest" in old:
            item["gsi_latest"] = values[":latest"] = old["gsi_latest"]
            condition = "attribute_exists(pk) AND gsi_latest = :latest"
        else:
            condition = "attribute_exists(pk) AND attribute_not_exists(gsi_latest)"
        return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": condition, **_values(values)}}

    @staticmethod
    def _version_head(artifact: Artifact) -> Item:
        """What a version item is keyed by, for a record being made READY."""
        return {"id": _s(artifact.id), "type": _s(artifact.type.value), "name": _s(artifact.name),
                "vsort": _s(version_sort_key(artifact))}

    def _partition(self, artifact_id: str) -> list[Item]:
        """Keys of every item of one artifact (its head, chunks and rating), and what the head says of its parents,
        version and latest mark."""
        return list(self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True,
                                ProjectionExpression="pk, sk, parents, id, #type, #name, vsort, gsi_type, gsi_latest",
                                ExpressionAttributeNames={"#type": "type", "#name": "name"},
                                ExpressionAttributeValues={":pk": _s(f"A#{artifact_id}")}))

    def _guard_actions(self, guard: Guard) -> list[tuple[str, dict[str, Any]]]:
        actions: list[tuple[str, dict[str, Any]]] = []
        if guard.epoch is not None:
            condition = "#v = :epoch" if guard.epoch else "attribute_not_exists(pk) OR #v = :epoch"
            actions.append(("epoch", {"ConditionCheck": {
                "TableName": self.table, "Key": _EPOCH_KEY, "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#v": "value"},
                "ExpressionAttributeValues": {":epoch": _n(guard.epoch)}}}))
        for key, owner in guard.settle:
            actions.append(("claim", {"Update": {
                "TableName": self.table, "Key": _claim_key(key), "UpdateExpression": "REMOVE #exp, #ttl",
                "ConditionExpression": "#owner = :owner", "ExpressionAttributeValues": {":owner": _s(owner)},
                "ExpressionAttributeNames": {"#exp": "expires", "#ttl": TTL_ATTRIBUTE, "#owner": "owner"}}}))
        actions += [("claim", {"Delete": {
            "TableName": self.table, "Key": _claim_key(key), "ConditionExpression": "#owner = :owner",
            "ExpressionAttributeNames": {"#owner": "owner"}, "ExpressionAttributeValues": {":owner": _s(owner)}}})
            for key, owner in guard.release]
        actions += [("claim", {"Delete": {"TableName": self.table, "Key": _claim_key(key)}}) for key in guard.drop]
        actions += [("claim", {"Put": {"TableName": self.table, "Item": _claim_item(key, owner, expires)}})
                    for key, owner, expires in guard.lease]
        if guard.record is not None:
            actions.append(("record", {"Put": self._operation_put(guard.record)}))
        return actions

    def _transact(self, actions: list[tuple[str, dict[str, Any]]]) -> None:
        """One TransactWriteItems; a cancelled one raises NotFound (a record's head was missing) or Aborted (the
        guard failed, or a concurrent transaction touched the same items)."""
        if len(actions) > _TRANSACTION_ITEMS or _size(actions) > _TRANSACTION_BYTES:
            raise TooLarge("too much for one atomic commit (DynamoDB: 100 items, 4 MB); split the transaction")
        try:
            self._db.transact_write_items(TransactItems=[action for _, action in actions])
        except ClientError as error:
            if _code(error) != "TransactionCanceledException":
                raise
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            failed = [(role, code) for (role, _), code in zip(actions, reasons) if code not in ("None", "")]
            role, code = failed[0] if failed else ("", "")
            if code == "ConditionalCheckFailed" and role == "head":
                raise NotFound("a record this commit changes no longer exists") from None
            if code in ("ConditionalCheckFailed", "TransactionConflict"):
                raise Aborted("the registry was reset, or another request took over or changed the same records, "
                              "while this write was in progress; nothing was stored", retry_after_seconds=1) from None
            raise

    def _ready_update(self, artifact_id: str, kind: str, name: str, source_url: str | None) -> dict[str, Any]:
        """The UpdateItem that makes a PENDING head READY: status, and the GSI keys that make it listable."""
        values = {":ready": _s(_READY), ":type": _s(kind), ":name": _s(name)}
        assignments = "#status = :ready, gsi_type = :type, gsi_name = :name"
        if source_url:
            values[":source"] = _s(source_url)
            assignments += ", gsi_source = :source"
        return {"TableName": self.table, "Key": _head_key(artifact_id), "UpdateExpression": f"SET {assignments}",
                "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values}

    def scan_artifacts(self) -> Iterator[Artifact]:
        for head in self._scan("sk = :head AND begins_with(pk, :prefix)", {":head": _s(_HEAD), ":prefix": _s("A#")}):
            artifact = self._decode(head)
            if artifact is not None:
                yield artifact

    def upgrade_records(self, limit: int) -> int:
        """Heads written before versions (no `vsort`): the sort key set (conditional: once), then for READY ones
        the version item and the name's latest mark, as a commit leaves them. Until then such a record is read by
        id and name but missing from `by_version`, `by_latest` and so from listings."""
        upgraded = 0
        for head in self._scan("sk = :head AND begins_with(pk, :prefix) AND attribute_not_exists(vsort)",
                               {":head": _s(_HEAD), ":prefix": _s("A#")}, limit=limit):
            artifact = self._decode(head)
            if artifact is None:
                continue
            vsort = _s(version_sort_key(artifact))
            try:
                self._db.update_item(TableName=self.table, Key=_head_key(artifact.id),
                                     UpdateExpression="SET vsort = :v", ExpressionAttributeValues={":v": vsort},
                                     ConditionExpression="attribute_exists(pk) AND attribute_not_exists(vsort)")
            except ClientError as error:
                if _code(error) == "ConditionalCheckFailedException":
                    continue  # upgraded meanwhile, or gone
                raise
            if artifact.status is ArtifactStatus.READY:
                self._link_version({**head, "vsort": vsort})
                self._settle_line(artifact.type.value, artifact.name)
            upgraded += 1
        return upgraded

    def sweep_leftovers(self, older_than: float, limit: int) -> int:
        """One Scan of artifact partitions and parent links: headless chunks and ratings, chunks of versions no
        head points at (older than `older_than`: a write in progress writes its chunks before its head), and
        parent links of missing records."""
        heads: dict[str, str | None] = {}
        others: list[Item] = []
        for item in self._scan("begins_with(pk, :a) OR begins_with(pk, :p)", {":a": _s("A#"), ":p": _s("P#")},
                               projection="pk, sk, chunk_version, written_at"):
            if item["sk"]["S"] == _HEAD:
                heads[item["pk"]["S"][2:]] = item["chunk_version"]["S"] if "chunk_version" in item else None
            else:
                others.append(item)
        stale = [item for item in others if _leftover(item, heads, older_than)][:limit]
        self._delete_keys(stale)
        return len(stale)

    def count_artifacts(self) -> int:
        """Every record, pending ones included. A Scan: for health and tests, not for requests."""
        total = 0
        for page in self._db.get_paginator("scan").paginate(
                TableName=self.table, Select="COUNT", FilterExpression="sk = :head AND begins_with(pk, :prefix)",
                ExpressionAttributeValues={":head": _s(_HEAD), ":prefix": _s("A#")}):
            total += int(page["Count"])
        return total

    # ratings ---------------------------------------------------------------------------------------------------
    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None:
        self._db.put_item(TableName=self.table, Item=self._rating_item(artifact_id, rating))

    @staticmethod
    def _rating_item(artifact_id: str, rating: dict[str, Any]) -> Item:
        return {"pk": _s(f"A#{artifact_id}"), "sk": _s(_RATING), "rating": _s(json.dumps(rating))}

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None:
        item = self._get({"pk": _s(f"A#{artifact_id}"), "sk": _s(_RATING)})
        return None if item is None else dict(json.loads(item["rating"]["S"]))

    # users and tokens ------------------------------------------------------------------------------------------
    def put_user(self, user: User, overwrite: bool = False) -> None:
        condition = {} if overwrite else {"ConditionExpression": "attribute_not_exists(pk)"}
        try:
            self._db.put_item(TableName=self.table, Item={**_user_key(user.username),
                                                          "body": _s(user.model_dump_json())}, **condition)
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise Conflict(f"user {user.username!r} already exists") from None
            raise

    def get_user(self, username: str) -> User | None:
        item = self._get(_user_key(username))
        return None if item is None else User.model_validate_json(item["body"]["S"])

    def list_users(self) -> list[User]:
        items = self._query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s("U")},
                            ConsistentRead=True)
        return [User.model_validate_json(item["body"]["S"]) for item in items]

    def delete_user(self, username: str) -> None:
        links = list(self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True,
                                 ExpressionAttributeValues={":pk": _s(f"UT#{username}")}))
        self._delete_keys([_token_key(link["sk"]["S"]) for link in links] + links + [_user_key(username)])

    def put_token(self, token: Token) -> None:
        """The user's link first: a token that exists is always found (and deleted) with its user."""
        self._db.put_item(TableName=self.table, Item={"pk": _s(f"UT#{token.username}"), "sk": _s(token.token_hash)})
        self._db.put_item(TableName=self.table, Item={**_token_key(token.token_hash), "username": _s(token.username),
                                                      "issued_at": _s(token.issued_at.isoformat()),
                                                      "uses": {"N": str(token.uses)}})

    def reserve_token_uses(self, token_hash: str, max_uses: int, wanted: int = 1) -> TokenGrant | None:
        """A conditional UpdateItem adds n uses only while `uses <= max - n`; when n does not fit, the token is read
        (strongly consistent) and n shrinks to what is left, until a grant succeeds or nothing is left."""
        count = max(wanted, 1)
        for _ in range(_RETRIES):
            try:
                item = self._db.update_item(
                    TableName=self.table, Key=_token_key(token_hash), UpdateExpression="SET uses = uses + :n",
                    ConditionExpression="attribute_exists(pk) AND uses <= :limit", ReturnValues="ALL_NEW",
                    ExpressionAttributeValues={":n": {"N": str(count)}, ":limit": {"N": str(max_uses - count)}},
                )["Attributes"]
            except ClientError as error:
                if _code(error) != "ConditionalCheckFailedException":
                    raise
                current = self._get(_token_key(token_hash))
                left = max_uses - int(current["uses"]["N"]) if current else 0
                if left <= 0:
                    return None
                count = min(count, left)
                continue
            return TokenGrant(Token(token_hash=token_hash, username=item["username"]["S"],
                                    issued_at=item["issued_at"]["S"], uses=int(item["uses"]["N"])), count)
        raise RuntimeError("a token's uses kept changing while being reserved; try again later")

    def release_token_uses(self, token_hash: str, unused: int) -> None:
        """Subtracts only while the result stays at or above zero (a reset or a deletion may have come between)."""
        try:
            self._db.update_item(TableName=self.table, Key=_token_key(token_hash),
                                 UpdateExpression="SET uses = uses - :n",
                                 ConditionExpression="attribute_exists(pk) AND uses >= :n",
                                 ExpressionAttributeValues={":n": {"N": str(unused)}})
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise

    # claims ----------------------------------------------------------------------------------------------------
    def claim(self, key: str, owner: str, lease_seconds: float) -> bool:
        """One conditional put: absent, or leased and (expired or the same owner's)."""
        now = time.time()
        return self._conditional(self._db.put_item, Item=_claim_item(key, owner, now + lease_seconds),
                                 ConditionExpression="attribute_not_exists(pk) OR "
                                                     "(attribute_exists(#exp) AND (#exp <= :now OR #owner = :owner))",
                                 ExpressionAttributeNames={"#exp": "expires", "#owner": "owner"},
                                 ExpressionAttributeValues={":now": _n(now), ":owner": _s(owner)})

    def get_claim(self, key: str) -> Claim | None:
        item = self._get(_claim_key(key))
        if item is None:
            return None
        return Claim(key, item["owner"]["S"] if "owner" in item else "",
                     float(item["expires"]["N"]) if "expires" in item else None)

    def release(self, key: str, owner: str | None = None) -> None:
        if owner is None:
            self._db.delete_item(TableName=self.table, Key=_claim_key(key))
            return
        self._conditional(self._db.delete_item, Key=_claim_key(key), ConditionExpression="#owner = :owner",
                          ExpressionAttributeNames={"#owner": "owner"}, ExpressionAttributeValues={":owner": _s(owner)})

    def expired_claims(self, now: float, limit: int) -> list[Claim]:
        items = self._scan("begins_with(pk, :prefix) AND sk = :head AND #exp <= :now",
                           {":prefix": _s("C#"), ":head": _s(_HEAD), ":now": _n(now)}, names={"#exp": "expires"},
                           limit=limit)
        return [Claim(item["pk"]["S"][2:], item["owner"]["S"], float(item["expires"]["N"])) for item in items]

    def drop_expired(self, claim: Claim) -> bool:
        if claim.expires_at is None:
            return False
        return self._conditional(self._db.delete_item, Key=_claim_key(claim.key),
                                 ConditionExpression="#owner = :owner AND #exp = :exp",
                                 ExpressionAttributeNames={"#owner": "owner", "#exp": "expires"},
                                 ExpressionAttributeValues={":owner": _s(claim.owner), ":exp": _n(claim.expires_at)})

    # epoch -----------------------------------------------------------------------------------------------------
    def get_epoch(self) -> Epoch:
        item = self._get(_EPOCH_KEY)
        return Epoch(0, 0.0) if item is None else Epoch(int(item["value"]["N"]), float(item["changed_at"]["N"]))

    def swap_epoch(self, expected: int, new: int) -> bool:
        condition = "#v = :expected" if expected else "attribute_not_exists(pk) OR #v = :expected"
        item = {**_EPOCH_KEY, "value": _n(new), "changed_at": _n(time.time())}
        return self._conditional(self._db.put_item, Item=item,
                                 ConditionExpression=condition, ExpressionAttributeNames={"#v": "value"},
                                 ExpressionAttributeValues={":expected": _n(expected)})

    # operations ------------------------------------------------------------------------------------------------
    def put_operation(self, record: Operation) -> bool:
        put = self._operation_put(record)
        del put["TableName"]
        return self._conditional(self._db.put_item, **put)

    def _operation_put(self, record: Operation) -> dict[str, Any]:
        item = {"pk": _s(f"OP#{record.key}"), "sk": _s("OP"), "version": _n(record.version),
                "expires": _s(timestamp_key(record.expires_at)), "body": _s(record.model_dump_json()),
                TTL_ATTRIBUTE: _n(int(as_utc(record.expires_at).timestamp()) + _TTL_GRACE)}
        if record.version == 1:
            return {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        return {"TableName": self.table, "Item": item, "ConditionExpression": "#ver = :previous",
                "ExpressionAttributeNames": {"#ver": "version"},
                "ExpressionAttributeValues": {":previous": _n(record.version - 1)}}

    def get_operation(self, key: str) -> Operation | None:
        item = self._get({"pk": _s(f"OP#{key}"), "sk": _s("OP")})
        return None if item is None else Operation.model_validate_json(item["body"]["S"])

    def delete_operation(self, key: str, version: int | None = None) -> None:
        condition: dict[str, Any] = {} if version is None else {
            "ConditionExpression": "#ver = :version", "ExpressionAttributeNames": {"#ver": "version"},
            "ExpressionAttributeValues": {":version": _n(version)}}
        self._conditional(self._db.delete_item, Key={"pk": _s(f"OP#{key}"), "sk": _s("OP")}, **condition)

    def expired_operations(self, now: datetime, limit: int) -> list[Operation]:
        items = self._scan("begins_with(pk, :prefix) AND #exp <= :now",
                           {":prefix": _s("OP#"), ":now": _s(timestamp_key(now))}, names={"#exp": "expires"},
                           limit=limit)
        return [Operation.model_validate_json(item["body"]["S"]) for item in items]

    # uploads ---------------------------------------------------------------------------------------------------
    def put_upload(self, upload: Upload) -> None:
        expiry = int(as_utc(upload.expires_at).timestamp()) + _TTL_GRACE
        self._db.put_item(TableName=self.table, Item={**_upload_key(upload.id), "body": _s(upload.model_dump_json()),
                                                      TTL_ATTRIBUTE: _n(expiry)})

    def expired_uploads(self, now: datetime, limit: int) -> list[Upload]:
        uploads = (Upload.model_validate_json(item["body"]["S"])
                   for item in self._scan("begins_with(pk, :prefix)", {":prefix": _s("UP#")}))
        return [upload for upload in uploads if as_utc(upload.expires_at) <= as_utc(now)][:limit]

    def get_upload(self, upload_id: str) -> Upload | None:
        item = self._get(_upload_key(upload_id))
        return None if item is None else Upload.model_validate_json(item["body"]["S"])

    def delete_upload(self, upload_id: str) -> None:
        self._db.delete_item(TableName=self.table, Key=_upload_key(upload_id))

    # audit -----------------------------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None:
        self._db.put_item(TableName=self.table, Item={
            "pk": _s(f"AU#{entry.artifact_id}"), "sk": _s(f"{timestamp_key(entry.at)}#{uuid.uuid4().hex}"),
            "body": _s(entry.model_dump_json())})

    def list_audit(self, artifact_id: str, limit: int = 1000) -> list[AuditEntry]:
        items = self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True, Limit=limit, max_items=limit,
                            ExpressionAttributeValues={":pk": _s(f"AU#{artifact_id}")})
        return [AuditEntry.model_validate_json(item["body"]["S"]) for item in items]

    # monitors and downloads ------------------------------------------------------------------------------------
    def put_monitor(self, monitor: Monitor) -> None:
        self._db.put_item(TableName=self.table, Item={"pk": _s(f"A#{monitor.artifact_id}"), "sk": _s(_MONITOR),
                                                      "body": _s(monitor.model_dump_json())})

    def get_monitor(self, artifact_id: str) -> Monitor | None:
        item = self._get({"pk": _s(f"A#{artifact_id}"), "sk": _s(_MONITOR)})
        return None if item is None else Monitor.model_validate_json(item["body"]["S"])

    def delete_monitor(self, artifact_id: str) -> None:
        self._db.delete_item(TableName=self.table, Key={"pk": _s(f"A#{artifact_id}"), "sk": _s(_MONITOR)})

    def append_download(self, record: DownloadRecord) -> None:
        self._db.put_item(TableName=self.table, Item={
            "pk": _s(f"DL#{record.artifact_id}"), "sk": _s(f"{timestamp_key(record.at)}#{uuid.uuid4().hex}"),
            "body": _s(record.model_dump_json())})

    def list_downloads(self, artifact_id: str, limit: int = 1000) -> list[DownloadRecord]:
        items = self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True, Limit=limit, max_items=limit,
                            ExpressionAttributeValues={":pk": _s(f"DL#{artifact_id}")})
        return [DownloadRecord.model_validate_json(item["body"]["S"]) for item in items]

    # settings --------------------------------------------------------------------------------------------------
    def get_setting(self, name: str) -> dict[str, Any] | None:
        item = self._get({"pk": _s(f"S#{name}"), "sk": _s("S")})
        return None if item is None else dict(json.loads(item["body"]["S"]))

    def put_setting(self, name: str, value: dict[str, Any]) -> None:
        self._db.put_item(TableName=self.table, Item={"pk": _s(f"S#{name}"), "sk": _s("S"),
                                                      "body": _s(json.dumps(value))})

    # mirror jobs -----------------------------------------------------------------------------------------------
    def start_mirror(self, job: MirrorJob) -> bool:
        try:
            self._db.put_item(TableName=self.table, Item=_mirror_item(job),
                              ConditionExpression="attribute_not_exists(pk) OR lease_until <= :now",
                              ExpressionAttributeValues={":now": _s(timestamp_key(job.started_at))})
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get_mirror(self, artifact_id: str) -> MirrorJob | None:
        item = self._get(_mirror_key(artifact_id))
        return None if item is None else MirrorJob.model_validate_json(item["body"]["S"])

    def renew_mirror(self, artifact_id: str, owner: str, lease_until: datetime) -> bool:
        job = self.get_mirror(artifact_id)
        return job is not None and job.owner == owner and self._put_owned(
            job.model_copy(update={"lease_until": lease_until}), owner)

    def end_mirror(self, artifact_id: str, owner: str, failure: MirrorJob | None = None) -> None:
        if failure is not None:
            self._put_owned(failure, owner)
            return
        try:
            self._db.delete_item(TableName=self.table, Key=_mirror_key(artifact_id), ConditionExpression="#o = :o",
                                 ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": _s(owner)})
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise

    def _put_owned(self, job: MirrorJob, owner: str) -> bool:
        try:
            self._db.put_item(TableName=self.table, Item=_mirror_item(job), ConditionExpression="#o = :o",
                              ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": _s(owner)})
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # search counters -------------------------------------------------------------------------------------------
    def count_appearances(self, artifact_ids: Iterable[str]) -> None:
        """DynamoDB has no batched update but a transaction: one TransactWriteItems of ADD updates per 100 ids.
        ADD is atomic per item; a transaction that conflicts with a concurrent one on the same counter is cancelled
        as a whole and retried, so no count is lost or doubled."""
        ids = sorted(set(artifact_ids))
        for start in range(0, len(ids), _TRANSACT_ITEMS):
            updates = [{"Update": {"TableName": self.table, "Key": _searches_key(i),
                                   "UpdateExpression": "ADD appearances :one",
                                   "ExpressionAttributeValues": {":one": {"N": "1"}}}}
                       for i in ids[start:start + _TRANSACT_ITEMS]]
            self._transact_retried(updates)

    def search_appearances(self, artifact_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(artifact_ids))
        found: dict[str, int] = {}
        for start in range(0, len(ids), _BATCH_GET):
            request = {self.table: {"Keys": [_searches_key(i) for i in ids[start:start + _BATCH_GET]],
                                    "ConsistentRead": True}}
            for item in self._batch_get(request):
                found[item["pk"]["S"][2:]] = int(item["appearances"]["N"])
        return found

    # whole store -----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        keys = [item for page in self._db.get_paginator("scan").paginate(
            TableName=self.table, ProjectionExpression="pk, sk", ConsistentRead=True) for item in page["Items"]]
        self._delete_keys(key for key in keys if key["pk"] != _EPOCH_KEY["pk"])

    def ping(self) -> None:
        self._db.describe_table(TableName=self.table)

    def checkpoint(self) -> None:
        """DynamoDB keeps no log of ours to fold."""

    # records ---------------------------------------------------------------------------------------------------
    def _encode(self, artifact: Artifact, inline_bytes: int = _INLINE_BYTES) -> tuple[Item, list[Item]]:
        """The head item and, for a record too big to fit in it, the chunk items it points at."""
        body = zlib.compress(artifact.model_dump_json().encode(), 6)
        head: Item = {**_head_key(artifact.id), "id": _s(artifact.id), "type": _s(artifact.type.value),
                      "name": _s(artifact.name), "status": _s(artifact.status.value), "sort": _s(sort_key(artifact)),
                      "vsort": _s(version_sort_key(artifact)),
                      "parents": _s(json.dumps(sorted(set(artifact.parent_urls))))}
        if artifact.source_url:
            head["source_url"] = _s(artifact.source_url)
        if artifact.status is ArtifactStatus.READY:
            head.update(gsi_type=head["type"], gsi_name=head["name"])
            if artifact.source_url:
                head["gsi_source"] = head["source_url"]
        if len(body) <= inline_bytes:
            head["body"] = {"B": body}
            return head, []
        version = uuid.uuid4().hex
        pieces = [body[i:i + _CHUNK_BYTES] for i in range(0, len(body), _CHUNK_BYTES)]
        head.update(chunk_version=_s(version), chunk_count={"N": str(len(pieces))})
        written = _n(time.time())
        chunks = [{"pk": head["pk"], "sk": _s(_chunk_sk(version, n)), "data": {"B": piece}, "written_at": written}
                  for n, piece in enumerate(pieces)]
        return head, chunks

    def _decode(self, head: Item, retried: bool = False, model: type[Artifact] = Artifact) -> Artifact | None:
        """The record a head item stands for; None if it vanished while its chunks were being read."""
        if "body" in head:
            body = head["body"]["B"]
        else:
            chunks = list(self._chunk_items(head["id"]["S"], head["chunk_version"]["S"], with_data=True))
            if len(chunks) != int(head["chunk_count"]["N"]):  # replaced meanwhile: read the new head once
                fresh = self._get_head(head["id"]["S"])
                if fresh is None:
                    return None
                if retried:
                    raise RuntimeError(f"artifact {head['id']['S']!r} keeps changing while being read")
                return self._decode(fresh, retried=True, model=model)
            body = b"".join(chunk["data"]["B"] for chunk in chunks)
        artifact = model.model_validate_json(zlib.decompress(body))
        status = ArtifactStatus(head["status"]["S"])  # the head's, which a write moves without the body
        return artifact if artifact.status is status else artifact.model_copy(update={"status": status})

    def _decode_all(self, heads: Iterable[Item]) -> list[Artifact]:
        return [artifact for head in heads if (artifact := self._decode(head)) is not None]

    def _chunk_items(self, artifact_id: str, version: str, with_data: bool = False) -> Iterator[Item]:
        options: dict[str, Any] = {} if with_data else {"ProjectionExpression": "pk, sk"}
        return self._query(KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)", ConsistentRead=True,
                           ExpressionAttributeValues={":pk": _s(f"A#{artifact_id}"), ":prefix": _s(f"C#{version}#")},
                           **options)

    def _link_parents(self, artifact_id: str, new: set[str], old: set[str]) -> None:
        puts = [{"PutRequest": {"Item": {"pk": _s(f"P#{url}"), "sk": _s(artifact_id)}}} for url in sorted(new - old)]
        deletes = [{"DeleteRequest": {"Key": {"pk": _s(f"P#{url}"), "sk": _s(artifact_id)}}}
                   for url in sorted(old - new)]
        self._batch_write(puts + deletes)

    # versions --------------------------------------------------------------------------------------------------
    def _link_version(self, head: Item) -> None:
        self._db.put_item(TableName=self.table, Item={**_version_key(head), "id": head["id"]})

    def _unlink_version(self, head: Item) -> None:
        self._db.delete_item(TableName=self.table, Key=_version_key(head))

    def _settle_line(self, kind: str, name: str) -> None:
        """Mark the highest READY version of this type and name latest (and unmark the one before), in one
        transaction conditioned on the line's counter as read; a concurrent settle makes it read and try again."""
        line = _s(f"L#{kind}#{name}")
        for attempt in range(_RETRIES):
            items = list(self._query(KeyConditionExpression="pk = :pk", ConsistentRead=True,
                                     ExpressionAttributeValues={":pk": line}))
            head = next((item for item in items if item["sk"]["S"] == _LINE_HEAD), None)
            versions = [item["id"]["S"] for item in items if item["sk"]["S"].startswith("V#")]  # in version order
            target = versions[-1] if versions else None
            current = head["latest"]["S"] if head is not None and "latest" in head else None
            if target == current:
                return
            writes = [self._line_put(line, head, target)]
            if target is not None:
                writes.append({"Update": {
                    "TableName": self.table, "Key": _head_key(target), "UpdateExpression": "SET gsi_latest = :type",
                    "ConditionExpression": "attribute_exists(pk) AND #status = :ready",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":type": _s(kind), ":ready": _s(_READY)}}})
            if current is not None and (current in versions or self._get_head(current) is not None):
                writes.append({"Update": {"TableName": self.table, "Key": _head_key(current),
                                          "UpdateExpression": "REMOVE gsi_latest",
                                          "ConditionExpression": "attribute_exists(pk)"}})
            if self._transacted(writes):
                return
            _back_off(attempt)
        raise RuntimeError(f"the versions of {name!r} kept changing while being settled; try again later")

    def _line_put(self, line: dict[str, str], head: Item | None, latest: str | None) -> dict[str, Any]:
        item: Item = {"pk": line, "sk": _s(_LINE_HEAD),
                      "rev": {"N": str(int(head["rev"]["N"]) + 1 if head is not None else 1)}}
        if latest is not None:
            item["latest"] = _s(latest)
        if head is None:
            return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "rev = :rev",
                        "ExpressionAttributeValues": {":rev": head["rev"]}}}

    # DynamoDB plumbing -----------------------------------------------------------------------------------------
    def _get_head(self, artifact_id: str) -> Item | None:
        return self._get(_head_key(artifact_id))

    def _get(self, key: Item) -> Item | None:
        item: Item | None = self._db.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return item

    def _query(self, max_items: int | None = None, **params: Any) -> Iterator[Item]:
        """Items of a Query, page after page, stopping after `max_items`."""
        produced = 0
        while True:
            answer = self._db.query(TableName=self.table, **params)
            for item in answer["Items"]:
                yield item
                produced += 1
                if max_items is not None and produced >= max_items:
                    return
            if "LastEvaluatedKey" not in answer:
                return
            params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _scan(self, condition: str, values: dict[str, Any], names: dict[str, str] | None = None,
              projection: str | None = None, limit: int | None = None) -> Iterator[Item]:
        """Items matching `condition`, page after page, stopping after `limit` (the sweeper's; never a request's)."""
        options: dict[str, Any] = {"FilterExpression": condition, "ExpressionAttributeValues": values,
                                   "ConsistentRead": True}
        if names:
            options["ExpressionAttributeNames"] = names
        if projection:
            options["ProjectionExpression"] = projection
        produced = 0
        for page in self._db.get_paginator("scan").paginate(TableName=self.table, **options):
            for item in page["Items"]:
                yield item
                produced += 1
                if limit is not None and produced >= limit:
                    return

    def _conditional(self, call: Any, **params: Any) -> bool:
        """A conditional write: False when its condition failed."""
        try:
            call(TableName=self.table, **params)
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _batch_get(self, request: dict[str, Any]) -> Iterator[Item]:
        for attempt in range(_RETRIES):
            answer = self._db.batch_get_item(RequestItems=request)
            yield from answer.get("Responses", {}).get(self.table, [])
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return
            _back_off(attempt)
        raise RuntimeError("DynamoDB kept keys unprocessed; try again later")

    def _transacted(self, items: list[dict[str, Any]]) -> bool:
        """One TransactWriteItems: False when DynamoDB cancelled it (a condition failed or a concurrent transaction
        conflicted), so the caller may read again and retry."""
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _code(error) not in _CANCELLED:
                raise
            return False
        return True

    def _transact_retried(self, items: list[dict[str, Any]]) -> None:
        """A TransactWriteItems of commutative updates (counter ADDs), retried when a concurrent one conflicts."""
        for attempt in range(_RETRIES):
            if self._transacted(items):
                return
            _back_off(attempt)
        raise RuntimeError("DynamoDB kept cancelling the transaction; try again later")

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), _BATCH_WRITE):
            pending: dict[str, Any] = {self.table: requests[start:start + _BATCH_WRITE]}
            for attempt in range(_RETRIES):
                pending = self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                _back_off(attempt)
            else:
                raise RuntimeError("DynamoDB kept writes unprocessed; try again later")

    def _delete_keys(self, items: Iterable[Item]) -> None:
        keys = {(item["pk"]["S"], item["sk"]["S"]) for item in items}
        self._batch_write([{"DeleteRequest": {"Key": {"pk": _s(pk), "sk": _s(sk)}}} for pk, sk in sorted(keys)])


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _head_key(artifact_id: str) -> Item:
    return {"pk": _s(f"A#{artifact_id}"), "sk": _s(_HEAD)}


def _chunk_sk(version: str, number: int) -> str:
    return f"C#{version}#{number:05d}"


def _user_key(username: str) -> Item:
    return {"pk": _s("U"), "sk": _s(username)}


def _token_key(token_hash: str) -> Item:
    return {"pk": _s(f"T#{token_hash}"), "sk": _s("T")}


def _version_key(head: Item) -> Item:
    return {"pk": _s(f"L#{head['type']['S']}#{head['name']['S']}"), "sk": _s(f"V#{head['vsort']['S']}")}


def _mirror_key(artifact_id: str) -> Item:
    return {"pk": _s(f"A#{artifact_id}"), "sk": _s(_MIRROR)}


def _mirror_item(job: MirrorJob) -> Item:
    return {**_mirror_key(job.artifact_id), "owner": _s(job.owner), "lease_until": _s(timestamp_key(job.lease_until)),
            "body": _s(job.model_dump_json())}


def _values(values: Item) -> dict[str, Any]:
    return {"ExpressionAttributeValues": values} if values else {}


def _claim_key(key: str) -> Item:
    return {"pk": _s(f"C#{key}"), "sk": _s(_HEAD)}


def _searches_key(artifact_id: str) -> Item:
    return {"pk": _s(f"A#{artifact_id}"), "sk": _s(_SEARCHES)}


def _claim_item(key: str, owner: str, expires_at: float) -> Item:
    return {**_claim_key(key), "owner": _s(owner), "expires": _n(expires_at),
            TTL_ATTRIBUTE: _n(int(expires_at) + _TTL_GRACE)}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def _leftover(item: Item, heads: dict[str, str | None], older_than: float) -> bool:
    """Whether a non-head item of an artifact partition (or a parent link) is left over by an interrupted write."""
    pk, sk = item["pk"]["S"], item["sk"]["S"]
    if pk.startswith("P#"):
        return sk not in heads
    artifact_id = pk[2:]
    if sk.startswith("C#"):
        old = float(item["written_at"]["N"]) < older_than if "written_at" in item else True
        return old and (artifact_id not in heads or not sk.startswith(f"C#{heads[artifact_id]}#"))
    return artifact_id not in heads


def _size(actions: list[tuple[str, dict[str, Any]]]) -> int:
    """Roughly the bytes of a transaction: its string and binary values (what the 4 MB limit counts most)."""
    def measure(value: Any) -> int:
        if isinstance(value, (str, bytes)):
            return len(value)
        if isinstance(value, dict):
            return sum(len(key) + measure(inner) for key, inner in value.items())
        if isinstance(value, (list, tuple)):
            return sum(measure(inner) for inner in value)
        return 8
    return measure([action for _, action in actions])


def _upload_key(upload_id: str) -> Item:
    return {"pk": _s(f"UP#{upload_id}"), "sk": _s("UP")}


def _parents(head: Item) -> set[str]:
    return set(json.loads(head["parents"]["S"])) if "parents" in head else set()


def _back_off(attempt: int) -> None:
    time.sleep(min(0.05 * 2 ** attempt, 2.0))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
