"""An upload handler that stops reading a file past the CV size limit.

Installed first by the apply view (before the CSRF check reads the body, see views.apply), it
drops an uploaded file as soon as it passes the limit: the rest of the body is read and
discarded, so an oversized upload never fills a temporary file, and the view reports the size.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class FileSizeLimit(FileUploadHandler):
    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.refused = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refused = True
            raise SkipFile
        return raw_data  # the next handler (memory or temporary file) stores it

    def file_complete(self, file_size):
        return None  # the storing handler returns the file
