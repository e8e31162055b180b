from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserJoinedPayload(_message.Message):
    __slots__ = ("user_id", "meeting_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    meeting_id: str
    def __init__(self, user_id: _Optional[str] = ..., meeting_id: _Optional[str] = ...) -> None: ...

class UserJoinedNotification(_message.Message):
    __slots__ = ("event_id", "event_timestamp", "event_name", "payload")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_timestamp: str
    event_name: str
    payload: UserJoinedPayload
    def __init__(self, event_id: _Optional[str] = ..., event_timestamp: _Optional[str] = ..., event_name: _Optional[str] = ..., payload: _Optional[_Union[UserJoinedPayload, _Mapping]] = ...) -> None: ...
