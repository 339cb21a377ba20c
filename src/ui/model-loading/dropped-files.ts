/** A file the user gave, with its path relative to what was chosen or dropped ("gpt2/config.json"). */
export interface GivenFile {
  path: string;
  file: File;
}

/** Files from a file picker: a folder picker fills webkitRelativePath, a plain one only names. */
export function filesFromPicker(list: FileList): GivenFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/**
 * Files dropped on the page, folders walked (FileSystemEntry: the one API every browser offers
 * for dropped folders). Entries must be taken synchronously in the drop handler, so call this
 * from it directly.
 */
export function filesFromDrop(transfer: DataTransfer): Promise<GivenFile[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Promise.resolve([...transfer.files].map((file) => ({ path: file.name, file })));
  return Promise.all(entries.map((entry) => walk(entry, ''))).then((lists) => lists.flat());
}

async function walk(entry: FileSystemEntry, prefix: string): Promise<GivenFile[]> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ path, file }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => walk(child, path)))).flat();
}
